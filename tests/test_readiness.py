"""Tests of the "拿地即开工" readiness module and the ``landalloc readiness`` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS, Instance, Parcel, Project, Quota
from geodata.report import DataError
from optimizer.readiness import (
    RuleSet,
    assess,
    department_view,
    load_rules,
    parcel_inventory,
    parcel_status,
    quarter_end,
    quarter_of,
    quarter_view,
    rank_parcels,
)

D = dt.date
EARLY = D(2024, 6, 1)


def make_parcel(pid: str = "P1", **ready: dt.date | None) -> Parcel:
    """A parcel whose readiness items are all met on ``EARLY`` unless given."""
    dates: dict[str, dt.date | None] = dict.fromkeys(READINESS_ITEMS, EARLY)
    dates.update(ready)
    return Parcel(
        parcel_id=pid,
        zone="Z1",
        land_use="M1",
        clusters=frozenset(),
        area_cmu=5000,
        divisible=False,
        available_year=2025,
        max_pollution=3,
        min_intensity_wan_per_mu=0.0,
        min_tax_wan_per_mu=0.0,
        far_min=None,
        far_max=None,
        ready=dates,
        x_m=0.0,
        y_m=0.0,
    )


def make_project(
    pid: str = "J1", start_year: int = 2026, needs: frozenset[str] = DEFAULT_NEEDS, **kw: Any
) -> Project:
    fields: dict[str, Any] = {
        "project_id": pid,
        "name": "测试项目",
        "company": "",
        "cluster": "光子",
        "stage": "signed",
        "investment_wan": 20000,
        "land_cmu": 4000,
        "floor_m2": 0,
        "carrier": "land",
        "land_use": "M1",
        "output_wan": 0,
        "tax_wan": 0,
        "jobs": 0,
        "pollution": 1,
        "start_year": start_year,
        "ready_to_build": True,
        "needs": needs,
        "min_floor_load_kg_m2": None,
        "min_clear_height_m": None,
        "tags": frozenset(),
        "pinned_carrier": None,
    }
    fields.update(kw)
    return Project(**fields)


def make_instance(parcels: list[Parcel], projects: list[Project] | None = None) -> Instance:
    return Instance(
        parcels=tuple(parcels),
        factories=(),
        projects=tuple(projects or [make_project()]),
        quotas=(Quota(2025, "*", 100000),),
        clusters=(),
    )


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


# --------------------------------------------------------------------------- rule set


def test_package_rules_cover_every_column_and_owner(rules: RuleSet) -> None:
    columns = {p.column for p in rules.preconditions}
    assert columns == {f"ready_{k}" for k in READINESS_ITEMS}
    owners = {p.key: p.owner_zh for p in rules.preconditions}
    assert owners["power"] == "供电服务中心"
    assert owners["gas"] == "燃气公司"
    assert owners["planning"] == "自然资源规划分局"
    assert owners["levelled"] == "土储中心"
    assert owners["water"] == owners["drainage"]
    assert {owners["assessment_env"], owners["assessment_energy"]} == {"生态环境局", "发改委"}
    assert rules.transfer_days >= 20 + 14  # announcement + ten working days of listing
    assert rules.standard_needs == DEFAULT_NEEDS


def test_override_dict_changes_merges_adds_and_drops(rules: RuleSet) -> None:
    r = load_rules(
        {
            "version": "sip-2025",
            "transfer_days": 60,
            "preconditions": {
                "gas": {"owner_zh": "港华燃气", "owner_en": "Towngas"},
                "heat": {"enabled": False},
                "fire": {
                    "name_zh": "消防通道",
                    "name_en": "fire access",
                    "column": "ready_road",
                    "applies_to": "all",
                    "owner_zh": "消防救援大队",
                    "owner_en": "fire brigade",
                },
            },
        }
    )
    by_key = {p.key: p for p in r.preconditions}
    assert r.version == "sip-2025" and r.transfer_days == 60
    assert by_key["gas"].owner_zh == "港华燃气"
    assert by_key["gas"].column == "ready_gas"  # untouched fields kept
    assert "heat" not in by_key
    assert by_key["fire"].applies_to == "all"
    assert len(r.preconditions) == len(rules.preconditions)


def test_override_file_then_dict(tmp_path: Any) -> None:
    f = tmp_path / "rules.yaml"
    f.write_text("transfer_days: 30\nstandard_land_needs: [water, power]\n", encoding="utf-8")
    r = load_rules({"transfer_days": 10}, path=f)
    assert r.transfer_days == 10
    assert r.standard_needs == frozenset({"water", "power"})


def test_override_bad_keys_all_reported() -> None:
    with pytest.raises(DataError) as exc:
        load_rules(
            {
                "transfer_dayz": 1,
                "transfer_days": "soon",
                "preconditions": {
                    "gas": {"colum": "ready_gas"},
                    "power": {"column": "ready_electricity"},
                    "water": {"applies_to": "need:lava"},
                    "fire": {"name_zh": "消防"},
                },
            },
            source="scenario.yaml",
        )
    texts = [p.text("en") for p in exc.value.report.errors]
    joined = "\n".join(texts)
    assert len(texts) == 6, joined
    assert "transfer_dayz" in joined
    assert "transfer_days" in joined
    assert "colum" in joined
    assert "ready_electricity" in joined
    assert "need:lava" in joined
    assert "fire" in joined and "name_en" in joined
    assert all(p.file == "scenario.yaml" for p in exc.value.report.errors)


def test_rules_file_not_yaml(tmp_path: Any) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("transfer_days: [1,\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_rules(path=f)
    assert exc.value.report.errors[0].code == "bad_yaml"


# --------------------------------------------------------------------------- assess


def test_all_met_is_ready(rules: RuleSet) -> None:
    a = assess(make_project(start_year=2026), make_parcel(), 2025, rules)
    assert a.status == "ready"
    assert a.missing == ()
    assert a.acquisition == D(2025, 1, 1) + dt.timedelta(days=rules.transfer_days)
    assert a.desired_start == D(2026, 1, 1)
    assert a.earliest_start == D(2026, 1, 1)
    assert a.ready_date == EARLY


def test_one_utility_late_is_ready_by_that_date(rules: RuleSet) -> None:
    late = D(2026, 9, 30)
    a = assess(make_project(start_year=2026), make_parcel(power=late), 2025, rules)
    assert a.status == "ready_by"
    assert a.ready_date == late
    assert a.earliest_start == late
    assert [m.key for m in a.missing] == ["power"]
    assert a.missing[0].owner_zh == "供电服务中心"
    assert a.missing[0].date == late


def test_unscheduled_precondition_blocks(rules: RuleSet) -> None:
    a = assess(make_project(), make_parcel(planning=None, power=D(2027, 3, 1)), 2025, rules)
    assert a.status == "blocked"
    assert a.earliest_start is None and a.ready_date is None
    assert {(m.key, m.date) for m in a.missing} == {
        ("planning", None),
        ("power", D(2027, 3, 1)),
    }


def test_irrelevant_precondition_ignored(rules: RuleSet) -> None:
    parcel = make_parcel(gas=None, heat=D(2030, 1, 1))
    plain = assess(make_project(needs=DEFAULT_NEEDS), parcel, 2025, rules)
    assert plain.status == "ready" and plain.missing == ()
    with_gas = assess(make_project(needs=DEFAULT_NEEDS | {"gas"}), parcel, 2025, rules)
    assert with_gas.status == "blocked"
    assert [m.key for m in with_gas.missing] == ["gas"]
    assert with_gas.missing[0].owner_zh == "燃气公司"


def test_transfer_duration_pushes_the_start(rules: RuleSet) -> None:
    project = make_project(start_year=2025)
    parcel = make_parcel()
    a = assess(project, parcel, 2025, rules)
    assert a.status == "ready"
    assert a.earliest_start == a.acquisition == D(2025, 1, 1) + dt.timedelta(rules.transfer_days)
    slow = load_rules({"transfer_days": 90})
    b = assess(project, parcel, 2025, slow)
    assert b.earliest_start == D(2025, 4, 1)
    # a utility in place before the slower transfer completes is no longer missing
    c = assess(project, make_parcel(water=D(2025, 3, 15)), 2025, rules)
    d = assess(project, make_parcel(water=D(2025, 3, 15)), 2025, slow)
    assert c.status == "ready_by" and [m.key for m in c.missing] == ["water"]
    assert d.status == "ready" and d.missing == ()


def test_override_changes_applicability() -> None:
    r = load_rules({"preconditions": {"gas": {"applies_to": "all"}}})
    a = assess(make_project(), make_parcel(gas=None), 2025, r)
    assert a.status == "blocked"
    assert [m.key for m in a.missing] == ["gas"]


# --------------------------------------------------------------------------- inventory


def _district() -> Instance:
    return make_instance(
        [
            make_parcel("A"),
            make_parcel("B", power=D(2025, 8, 15)),
            make_parcel("C", power=D(2026, 2, 1), water=D(2025, 12, 1)),
            make_parcel("D", power=None),
            make_parcel("E", planning=None, gas=None),
        ]
    )


def test_parcel_status_and_inventory(rules: RuleSet) -> None:
    today = D(2025, 6, 1)
    inst = _district()
    assert parcel_status(inst.parcel("A"), today, rules).status == "ready"
    # gas is not a standard-land utility
    e = parcel_status(inst.parcel("E"), today, rules)
    assert e.status == "blocked" and [m.key for m in e.missing] == ["planning"]
    inv = parcel_inventory(inst, today, rules)
    got = dict(zip(inv["parcel_id"], inv["status"], strict=True))
    assert got == {"A": "ready", "B": "ready_by", "C": "ready_by", "D": "blocked", "E": "blocked"}
    row_c = inv.set_index("parcel_id").loc["C"]
    assert row_c["ready_date"] == D(2026, 2, 1)
    assert row_c["quarter"] == "2026Q1"
    assert "供电服务中心" in row_c["missing"] and "水务局" in row_c["missing"]
    assert list(inv["standard_ready"]) == [True, False, False, False, False]
    assert {"ready_power", "ready_gas", "ready_assessment"} <= set(inv.columns)


def test_department_view(rules: RuleSet) -> None:
    dep = department_view(_district(), D(2025, 6, 1), rules).set_index("owner_zh")
    power = dep.loc["供电服务中心"]
    assert power["parcels_total"] == 3
    assert power["parcels_scheduled"] == 2
    assert power["parcels_unscheduled"] == 1
    assert power["next_date"] == D(2025, 8, 15)
    assert dep.loc["自然资源规划分局", "parcels_unscheduled"] == 1
    assert dep.loc["水务局", "parcels_total"] == 1
    assert "燃气公司" not in dep.index
    assert dep.index[0] == "供电服务中心"


def test_quarter_view(rules: RuleSet) -> None:
    q = quarter_view(_district(), D(2025, 6, 1), rules)
    assert list(q["period"]) == ["now", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    assert list(q["newly_ready"]) == [1, 0, 1, 0, 1]
    assert list(q["cumulative_ready"]) == [1, 1, 2, 2, 3]
    assert q["share_ready"].iloc[-1] == pytest.approx(3 / 5)
    capped = quarter_view(_district(), D(2025, 6, 1), rules, max_quarters=2)
    assert list(capped["period"]) == ["now", "2025Q2", "2025Q3", "later"]
    assert capped["parcel_ids"].iloc[-1] == "C"


def test_quarter_helpers() -> None:
    assert quarter_of(D(2025, 11, 3)) == "2025Q4"
    assert quarter_end(D(2025, 11, 3)) == D(2025, 12, 31)
    assert quarter_end(D(2025, 2, 3)) == D(2025, 3, 31)
    assert quarter_end(D(2025, 6, 30)) == D(2025, 6, 30)


def test_rank_parcels_ready_first_then_by_start(rules: RuleSet) -> None:
    inst = _district()
    small = dataclasses.replace(make_parcel("F"), area_cmu=100)
    inst = make_instance([*inst.parcels, small])
    project = make_project(start_year=2025)
    ranked = rank_parcels(inst, project, rules, today=D(2025, 6, 1))
    assert list(ranked["parcel_id"]) == ["A", "B", "C", "D", "E"]  # F too small
    assert list(ranked["rank"]) == [1, 2, 3, 4, 5]
    assert ranked["earliest_start"].iloc[1] == D(2025, 8, 15)
    everything = rank_parcels(inst, project, rules, only_fitting=False, lang="en")
    assert "F" in set(everything["parcel_id"])
    assert "area" in str(everything.set_index("parcel_id").loc["F", "misfit"])


# --------------------------------------------------------------------------- CLI


def _write_gpkg(path: Any) -> Any:
    """A three-parcel district: A ready, B waits for power, C has no planning conditions."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from shapely.geometry import box

    side = 200.0  # 40 000 m² = 60 亩
    ready = {f"ready_{k}": "2024-06-01" for k in READINESS_ITEMS}
    rows: list[dict[str, Any]] = [
        {"parcel_id": "A", **ready},
        {"parcel_id": "B", **ready, "ready_power": "2025-09-15"},
        {"parcel_id": "C", **ready, "ready_planning": None},
    ]
    for i, r in enumerate(rows):
        r.update(zone="Z1", land_use="M1", available_year=2025)
        r["geometry"] = box(540000 + i * 400, 3466000, 540000 + i * 400 + side, 3466000 + side)
    parcels = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549")
    projects = pd.DataFrame(
        [
            {"project_id": "J1", "name": "光子芯片", "cluster": "光子", "investment_yi": 2.0,
             "land_mu": 50.0, "start_year": 2025, "stage": "signed"},
            {"project_id": "J2", "name": "大项目", "cluster": "光子", "investment_yi": 5.0,
             "land_mu": 80.0, "start_year": 2026, "stage": "signed"},
        ]
    )  # fmt: skip
    quotas = pd.DataFrame([{"year": 2025, "zone": "*", "land_mu": 500.0}])
    parcels.to_file(path, layer="parcels", driver="GPKG", engine="pyogrio")
    pyogrio.write_dataframe(projects, path, layer="projects", driver="GPKG")
    pyogrio.write_dataframe(quotas, path, layer="quotas", driver="GPKG")
    return path


@pytest.fixture
def gpkg(tmp_path: Any) -> Any:
    return _write_gpkg(tmp_path / "district.gpkg")


def test_cli_inventory_summary_and_outputs(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    import openpyxl
    import pandas as pd
    import pyogrio

    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(["readiness", str(gpkg), "--today", "2025-06-30", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "已具备（今天即可拿地开工）：1 宗" in text
    assert "待具备（已排期）：1 宗" in text
    assert "受阻（有条件未排期）：1 宗" in text
    assert "供电服务中心：1 宗地块待办（1 宗已排期" in text
    assert "自然资源规划分局：1 宗地块待办（0 宗已排期；1 宗未排期）" in text
    assert "2025Q3：新增 1 宗，累计 2 宗" in text

    wb = openpyxl.load_workbook(out / "readiness.xlsx")
    assert wb.sheetnames[:3] == ["按地块", "按季度", "按部门"]
    by_parcel = wb["按地块"]
    header = [c.value for c in by_parcel[1]]
    status_col = header.index("状态")
    assert [r[status_col] for r in by_parcel.iter_rows(min_row=2, values_only=True)] == [
        "已具备",
        "待具备",
        "受阻",
    ]
    colours = {
        r.formula[0].split("=")[1].strip('"'): str(r.dxf.fill.fgColor.rgb)[-6:]
        for cf in by_parcel.conditional_formatting
        for r in cf.rules
    }
    assert colours == {"已具备": "C6EFCE", "待具备": "FFEB9C", "受阻": "FFC7CE"}
    assert len(list(wb["按部门"].conditional_formatting)) == 2

    csv = pd.read_csv(out / "readiness_parcels.csv", dtype=str)
    assert dict(zip(csv["parcel_id"], csv["status"], strict=True)) == {
        "A": "ready",
        "B": "ready_by",
        "C": "blocked",
    }
    assert csv.set_index("parcel_id").loc["B", "ready_date"] == "2025-09-15"
    layer = pyogrio.read_dataframe(out / "readiness.gpkg", layer="readiness")
    assert {"parcel_id", "status", "ready_date", "missing"} <= set(layer.columns)
    assert len(layer) == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_cli_english(gpkg: Any, capsys: Any) -> None:
    from landalloc.cli import main

    code = main(["--lang", "en", "readiness", str(gpkg), "--today", "2025-06-30"])
    text = capsys.readouterr().out
    assert code == 0
    assert "Power Supply Service Centre: 1 parcels wait (1 scheduled" in text
    assert "blocked by (items not scheduled): planning conditions issued" in text


def test_cli_rules_file_changes_the_result(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text("preconditions:\n  planning: {enabled: false}\n", encoding="utf-8")
    code = main(["readiness", str(gpkg), "--today", "2025-06-30", "--rules", str(rules)])
    text = capsys.readouterr().out
    assert code == 0
    assert "受阻（有条件未排期）：0 宗" in text
    assert "自然资源规划分局" not in text


def test_cli_project_ranking(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    out = tmp_path / "out"
    code = main(
        ["readiness", str(gpkg), "--today", "2025-06-30", "--project", "J1", "--out", str(out)]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.")]
    assert [ln.split()[1] for ln in lines] == ["A", "B", "C"]
    assert "可开工 2025-06-30" not in lines[0]
    assert "可开工 2025-02-14" in lines[0]  # 2025-01-01 + 44 days of land transfer
    assert "可开工 2025-09-15" in lines[1] and "供电服务中心" in lines[1]
    assert "受阻" in lines[2] and "未排期" in lines[2]
    assert (out / "readiness_project_J1.xlsx").exists()
    assert (out / "readiness_project_J1.csv").exists()


def test_cli_project_too_large_for_every_parcel(gpkg: Any, capsys: Any) -> None:
    from landalloc.cli import main

    assert main(["readiness", str(gpkg), "--project", "J2", "--today", "2025-06-30"]) == 0
    captured = capsys.readouterr()
    assert "--all" in captured.out
    assert "J2" in captured.err  # the store warns that no parcel group can hold it
    assert main(["readiness", str(gpkg), "--project", "J2", "--all"]) == 0
    text = capsys.readouterr().out
    assert "全部地块 3 宗" in text
    assert text.count("不符合：面积不符（不足或浪费超限）：地块 60 亩 < 需求 80 亩") == 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--project", "NOPE"], ["NOPE", "project_id"]),
        (["--rules", "RULES"], ["transfer_dayz", "RULES"]),
        (["--rules", "MISSING"], ["找不到规则文件"]),
        (["--today", "2025-13-01"], ["--today"]),
    ],
)
def test_cli_bad_input_exit_2(
    gpkg: Any, tmp_path: Any, capsys: Any, args: list[str], words: list[str]
) -> None:
    from landalloc.cli import main

    rules = tmp_path / "rules.yaml"
    rules.write_text("transfer_dayz: 10\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [
        str(rules) if a == "RULES" else str(tmp_path / "nope.yaml") if a == "MISSING" else a
        for a in args
    ]
    words = [str(rules) if w == "RULES" else w for w in words]
    code = main(["readiness", str(gpkg), "--out", str(out), *args])
    captured = capsys.readouterr()
    assert code == 2
    for w in words:
        assert w in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists() or not list(out.iterdir())


def test_cli_missing_data_and_out_is_a_file(gpkg: Any, tmp_path: Any, capsys: Any) -> None:
    from landalloc.cli import main

    assert main(["readiness", str(tmp_path / "none.gpkg")]) == 2
    assert "none.gpkg" in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    assert main(["readiness", str(gpkg), "--out", str(blocker)]) == 2
    assert "file.txt" in capsys.readouterr().err


# --------------------------------------------------------------------------- one definition of "fits"
# ``readiness --project`` and the candidate builder decide "the project fits the parcel" with the
# same rule code (optimizer.constraints.fit); issue 14, item 3.


def _single_parcel_candidates(inst: Instance, pid: str, **policy: Any) -> set[str]:
    from optimizer.problem import Problem
    from optimizer.settings import Policy

    cands = Problem(inst, policy=Policy(**policy)).candidates()
    return {
        cands.candidates[i].carriers[0]
        for i in cands.by_project[pid]
        if cands.candidates[i].kind == "parcel"
    }


def test_m1_project_fits_an_m2_parcel(rules: RuleSet, tmp_path: Any, capsys: Any) -> None:
    from builders import instance, parcel, project, tables, write_gpkg

    from landalloc.cli import main

    t = tables(
        [parcel("P1", 50, 0, land_use="M2", available_year=2026)],
        [project("J1", land_mu=45, land_use="M1", start_year=2026)],
        {2026: 100.0},
    )
    inst = instance(t)
    assert _single_parcel_candidates(inst, "J1") == {"P1"}
    ranked = rank_parcels(inst, inst.project("J1"), rules)
    assert list(ranked["parcel_id"]) == ["P1"]
    assert ranked["misfit"].iloc[0] == ""
    gpkg = write_gpkg(t, tmp_path / "m2.gpkg")
    assert main(["readiness", str(gpkg), "--project", "J1", "--today", "2026-01-01"]) == 0
    text = capsys.readouterr().out
    assert "符合静态条件的地块 1 宗" in text
    assert any(ln.split()[:2] == ["1.", "P1"] for ln in text.splitlines()), text
    # an M1 parcel does not take an M2 project: the reason names the rule and the classes
    t2 = tables(
        [parcel("P1", 50, 0, land_use="M1", available_year=2026)],
        [project("J1", land_mu=45, land_use="M2", start_year=2026)],
        {2026: 100.0},
    )
    inst2 = instance(t2)
    assert _single_parcel_candidates(inst2, "J1") == set()
    everything = rank_parcels(inst2, inst2.project("J1"), rules, only_fitting=False, lang="en")
    assert everything["misfit"].iloc[0].startswith("land-use class does not fit")
    assert "M2" in everything["misfit"].iloc[0] and "M1" in everything["misfit"].iloc[0]


def test_divisible_parcel_smaller_than_the_demand_fits_neither(rules: RuleSet) -> None:
    # a divisible parcel supplies just the demand, but only when it holds it (the verifier's
    # "divisible parcel smaller than the demand"): neither the builder nor readiness offers P1
    from builders import instance, parcel, project, tables

    t = tables(
        [
            parcel("P1", 30, 0, divisible=True, available_year=2026),
            parcel("P2", 200, 1000, divisible=True, available_year=2026),
        ],
        [project("J1", land_mu=45, start_year=2026)],
        {2026: 100.0},
    )
    inst = instance(t)
    assert _single_parcel_candidates(inst, "J1") == {"P2"}
    ranked = rank_parcels(inst, inst.project("J1"), rules, only_fitting=False, lang="en")
    misfit = ranked.set_index("parcel_id")["misfit"]
    assert misfit["P2"] == ""
    assert misfit["P1"] == (
        "area does not fit (too small or too wasteful): parcel 30 mu < demand 45 mu"
    )


def _random_instance(seed: int) -> Instance:
    """Parcels and projects with every static rule in play; timing never prunes.

    Every carrier is available in 2025 and every project starts in 2026 without
    拿地即开工, so whether the candidate builder keeps a (project, parcel) pair depends on the
    static rules only.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    parcels = []
    for k in range(14):
        far_min = float(rng.choice([0.0, 1.0]))
        parcels.append(
            dataclasses.replace(
                make_parcel(f"P{k:02d}"),
                land_use=str(rng.choice(["M0", "M1", "M2", "M3"])),
                clusters=frozenset(([], ["光子"], ["生物"], ["光子", "生物"])[rng.integers(4)]),
                area_cmu=int(rng.choice([2000, 3000, 4000, 5000, 6000, 9000])),
                divisible=bool(rng.random() < 0.25),
                max_pollution=int(rng.integers(1, 4)),
                min_intensity_wan_per_mu=float(rng.choice([0.0, 0.0, 300.0, 600.0])),
                min_tax_wan_per_mu=float(rng.choice([0.0, 0.0, 10.0])),
                far_min=far_min or None,
                far_max=float(rng.choice([2.0, 3.0])) if far_min else None,
                x_m=float(k * 500),
            )
        )
    projects = []
    for k in range(12):
        projects.append(
            make_project(
                f"J{k:02d}",
                cluster=str(rng.choice(["光子", "生物"])),
                land_use=str(rng.choice(["M0", "M1", "M2", "M3"])),
                pollution=int(rng.integers(1, 4)),
                land_cmu=int(rng.choice([2500, 3000, 4000, 5500])),
                investment_wan=int(rng.choice([10000, 20000, 40000])),
                tax_wan=int(rng.choice([0, 300, 1000])),
                floor_m2=int(rng.choice([0, 0, 20000, 60000])),
                carrier="factory" if k == 11 else "land",
                ready_to_build=False,
            )
        )
    return Instance(
        parcels=tuple(parcels),
        factories=(),
        projects=tuple(projects),
        quotas=(Quota(2026, "*", 1_000_000),),
        clusters=(),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "policy",
    [{}, {"waste_tolerance": 0.2}, {"standard_land": False}, {"withheld": frozenset({"P03"})}],
    ids=["default", "tight_waste", "no_standard_land", "withheld"],
)
def test_readiness_fits_iff_the_candidate_builder_has_a_candidate(
    rules: RuleSet, seed: int, policy: dict[str, Any]
) -> None:
    from optimizer.settings import Policy

    inst = _random_instance(seed)
    kw: dict[str, Any] = {"policy": Policy(**policy)} if policy else {}
    n_fit = 0
    for project in inst.projects:
        ranked = rank_parcels(inst, project, rules, only_fitting=False, lang="en", **kw)
        fits = set(ranked.loc[ranked["misfit"] == "", "parcel_id"])
        assert fits == _single_parcel_candidates(inst, project.project_id, **policy), (
            project.project_id
        )
        only = rank_parcels(inst, project, rules, **kw)
        assert set(only["parcel_id"]) == fits
        n_fit += len(fits)
    assert n_fit > 0  # the instance is not trivially empty


def test_cli_demo_project_fits_the_candidate_builders_parcels(tmp_path: Any, capsys: Any) -> None:
    import pandas as pd

    from geodata.store import load
    from landalloc.cli import main

    demo = Path(__file__).resolve().parents[1] / "geodata" / "demo.gpkg"
    out = tmp_path / "out"
    code = main(["readiness", str(demo), "--project", "XM2026-009", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "没有符合该项目静态条件" not in text
    ranked = pd.read_csv(out / "readiness_project_XM2026-009.csv", dtype=str)
    inst, _, _ = load(demo)
    expected = _single_parcel_candidates(inst, "XM2026-009")
    assert expected  # the solver has candidates for this project
    assert set(ranked["parcel_id"]) == expected
