"""``result.gpkg``: one feature per carrier, no printed objects, a ``placements`` table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from builders import factory, parcel, project, tables, write_gpkg

from landalloc.cli import main

CARRIERS = {"parcels": "parcel_id", "factories": "factory_id"}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A solved tiny instance: divisible P1 hosts J1 and J2 (different years), F1 hosts J3 and
    J4, J5 takes the 合并供地 group P3+P4, P5 and F2 stay vacant."""
    d = tmp_path_factory.mktemp("gpkg")
    t = tables(
        [
            parcel("P1", 100, 5000, divisible=True),
            parcel("P3", 100, 0),
            parcel("P4", 100, 258.2),
            parcel("P5", 10, 9000),
        ],
        [
            project("J1", land_mu=40, name="一号项目", start_year=2026),
            project("J2", land_mu=40, name="二号项目", start_year=2027),
            project("J3", floor_m2=3000, name="三号项目"),
            project("J4", floor_m2=4000, name="四号项目"),
            project("J5", land_mu=180, name="五号项目"),
        ],
        {2026: 1000.0, 2027: 1000.0},
        factories=[factory("F1", 10000), factory("F2", 500)],
    )
    write_gpkg(t, d / "d.gpkg")
    s = d / "s.yaml"
    s.write_text(
        "name: 多项目地块\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n",
        encoding="utf-8",
    )
    assert main(["solve", str(s), "--out", str(d / "out")]) == 0
    return d


def _assignments(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "out" / "assignments.csv", dtype=str, keep_default_na=False)


def _layer(out: Path, layer: str) -> pd.DataFrame:
    return pyogrio.read_dataframe(out / "out" / "result.gpkg", layer=layer)


def test_the_instance_has_carriers_with_several_projects(out: Path) -> None:
    a = _assignments(out)
    per = a.groupby("carrier_id")["project_id"].apply(set).to_dict()
    assert per["P1"] == {"J1", "J2"} and per["F1"] == {"J3", "J4"}
    assert per["P3"] == per["P4"] == {"J5"}


def test_placements_table_has_the_pairs_of_assignments_csv(out: Path) -> None:
    a = _assignments(out)
    p = _layer(out, "placements")
    assert "geometry" not in p.columns
    assert len(p) == len(a)
    pairs = set(zip(a["carrier_id"], a["project_id"], strict=True))
    assert set(zip(p["carrier_id"], p["project_id"], strict=True)) == pairs
    for col in ("name", "carrier_kind", "year", "area_mu", "floor_m2", "start_date", "group_id"):
        assert col in p.columns, col


def test_carrier_layers_list_the_same_pairs(out: Path) -> None:
    pairs = set()
    for layer, key in CARRIERS.items():
        df = _layer(out, layer)
        for cid, ids, n in zip(df[key], df["project_id"], df["n_projects"], strict=True):
            listed = ids.split(";") if isinstance(ids, str) else []
            assert len(listed) == n, (cid, ids)
            pairs |= {(cid, i) for i in listed}
    a = _assignments(out)
    assert pairs == set(zip(a["carrier_id"], a["project_id"], strict=True))


def test_multi_project_carriers_are_summed_and_joined(out: Path) -> None:
    par = _layer(out, "parcels").set_index("parcel_id")
    p1 = par.loc["P1"]
    assert (p1["status"], p1["n_projects"], p1["project_id"]) == ("placed", 2, "J1;J2")
    assert p1["name"] == "一号项目;二号项目" and p1["area_used_mu"] == pytest.approx(80)
    assert p1["year"] == 2026 and p1["years"] == "2026;2027"
    assert par.loc["P3", "project_id"] == "J5" and par.loc["P3", "group_id"] == "P3+P4"
    assert (par.loc["P5", "status"], par.loc["P5", "n_projects"]) == ("vacant", 0)
    fac = _layer(out, "factories").set_index("factory_id")
    assert fac.loc["F1", "project_id"] == "J3;J4" and fac.loc["F1", "floor_let_m2"] == 7000
    assert (fac.loc["F2", "status"], fac.loc["F2", "floor_let_m2"]) == ("vacant", 0)


@pytest.mark.parametrize("layer", ["parcels", "factories", "placements"])
def test_no_cell_holds_a_printed_object(out: Path, layer: str) -> None:
    df = _layer(out, layer).drop(columns="geometry", errors="ignore")
    for col in df.columns:
        for v in map(str, df[col]):
            assert not any(s in v for s in ("\n", "Name:", "dtype:")), (col, v)


@pytest.mark.parametrize(("layer", "key"), CARRIERS.items())
def test_one_feature_per_carrier(out: Path, layer: str, key: str) -> None:
    df = _layer(out, layer)
    assert df[key].is_unique
    src = pyogrio.read_dataframe(out / "d.gpkg", layer=layer)
    assert sorted(df[key]) == sorted(src[key])


def test_booleans_are_booleans(out: Path) -> None:
    assert _layer(out, "placements")["ready_to_build"].dtype == bool
    par = _layer(out, "parcels")
    assert par["divisible"].dtype == bool
    assert par.set_index("parcel_id")["divisible"].to_dict() == {
        "P1": True,
        "P3": False,
        "P4": False,
        "P5": False,
    }
