"""Scenario files: schema, template, what-ifs and refusals of bad files (exit 2 with key and line)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from builders import parcel, project, tables, write_gpkg

from geodata.report import DataError
from landalloc.cli import main
from landalloc.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))


def _data(tmp_path: Path) -> Path:
    t = tables(
        [
            parcel("P1", 50, 0, clusters="c1"),
            parcel("P2", 50, 1000, clusters="c1"),
            parcel("P3", 50, 3000, zone="B", clusters="c2"),
        ],
        [
            project("J1", land_mu=45, inv=5.0),
            project("J2", land_mu=45, inv=3.0),
            project("J3", land_mu=45, inv=2.0, cluster="c2"),
        ],
        {2026: 200.0, 2027: 200.0},
    )
    return write_gpkg(t, tmp_path / "d.gpkg")


def _scenario(tmp_path: Path, body: str = "", name: str = "s.yaml") -> Path:
    if not (tmp_path / "d.gpkg").exists():
        _data(tmp_path)
    p = tmp_path / name
    p.write_text(
        "name: 测试\ndata: d.gpkg\nyears: [2026, 2027]\n"
        "solver: {time_limit_s: 2, deterministic: true}\n" + body,
        encoding="utf-8",
    )
    return p


def _solve(tmp_path: Path, scen: Path, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    return main(["--lang", "en", "solve", str(scen), "--out", str(out), *extra]), out


def _placed(out: Path) -> dict[str, str]:
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    return dict(zip(a["project_id"], a["carrier_id"], strict=True))


# --------------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_validate_and_start_with_a_purpose(path: Path) -> None:
    s = load_scenario(path)
    assert s.data_path(path) == (REPO / "geodata" / "demo.gpkg").resolve()
    head = path.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# ")
    assert any("目的" in line for line in head[:4]) and any("Purpose" in line for line in head[:8])


def test_the_demo_scenarios_cover_the_issue() -> None:
    by_stem = {p.stem: load_scenario(p) for p in SHIPPED}
    assert {"baseline", "quota_cut", "strict_ready", "major_first", "rezone_biomed"} <= set(by_stem)
    second_year = sorted(by_stem["quota_cut"].years)[1]
    assert by_stem["quota_cut"].quotas.scale_by_year == {second_year: 0.8}
    assert by_stem["strict_ready"].policy.strict_ready_signed
    assert by_stem["major_first"].policy.lexicographic
    assert "biomed" in by_stem["rezone_biomed"].rezone[0].clusters


# --------------------------------------------------------------------------- template


def test_scenario_new_writes_a_template_of_the_documented_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path)
    target = tmp_path / "sc" / "new.yaml"
    code = main(["scenario", "new", "我的 情景", "--out", str(target), "--data", str(data)])
    assert code == 0, capsys.readouterr().err
    assert "new.yaml" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 情景：我的 情景")
    s = load_scenario(target)
    assert s.years == [2026, 2027]  # the data's years
    assert s.data_path(target) == data.resolve()
    # every key of the template shows the schema's default
    assert s == Scenario(name="我的 情景", data=s.data, years=s.years)
    assert set(Scenario.model_fields) <= {line.split(":")[0] for line in text.splitlines()}


def test_scenario_new_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a.yaml"
    target.write_text("keep", encoding="utf-8")
    code = main(["--lang", "en", "scenario", "new", "a", "--out", str(target)])
    assert code == 2
    assert "exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("polcy: {lexicographic: true}\n", ["polcy", "did you mean policy", "row 5"]),
        (
            "policy:\n  waste_tolerence: 0.3\n",
            ["policy.waste_tolerence", "waste_tolerance", "row 6"],
        ),
        ("weights: {investment_per_yi: lots}\n", ["weights.investment_per_yi", "row 5"]),
        ("weights:\n  tag_points: [1, 2]\n", ["weights.tag_points", "row 6"]),
        ("pins: {J1: NOPE}\n", ["NOPE", "pins.J1", "row 5"]),
        ("withheld: [P1, P9]\n", ["P9", "withheld", "row 5"]),
        (
            "rezone:\n  - zone: Q\n    clusters: [c1]\n",
            ["zone Q", "one of the zones A, B", "row 6"],
        ),
        ("rezone:\n  - zone: B\n    clusters: [c1, c2, c3]\n", ["cluster c3", "row 7"]),
        ("rezone:\n  - zone: BB\n    clusters: [c1]\n", ["zone BB", "expected: B"]),
        ("rezone:\n  - zone: B\n    clustrs: [c1]\n", ["rezone.0.clustrs", "rezone.0.clusters"]),
        (
            "extra_projects:\n  - {project_id: J1, cluster: c1, investment_yi: 1, land_mu: 5}\n",
            ["J1", "already exists", "row 6"],
        ),
        (
            "extra_projects:\n  - {project_id: X1, cluster: c1, investment_yi: many}\n",
            ["investment_yi", "row 6"],
        ),
    ],
)
def test_bad_scenarios_exit_2_naming_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: list[str]
) -> None:
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    err = capsys.readouterr().err
    assert code == 2, err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err
    assert not out.exists()


def test_year_outside_the_data_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    scen = tmp_path / "s.yaml"
    scen.write_text("name: x\ndata: d.gpkg\nyears:\n  - 2026\n  - 2031\n", encoding="utf-8")
    code, _ = _solve(tmp_path, scen)
    err = capsys.readouterr().err
    assert code == 2
    assert "2031" in err and "row 5" in err and "years" in err


def test_chinese_messages_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen = _scenario(tmp_path, "polcy: {}\n")
    code = main(["solve", str(scen), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "未知的键 polcy" in err and "第 5 行" in err


def test_load_scenario_collects_every_problem(tmp_path: Path) -> None:
    scen = _scenario(tmp_path, "polcy: {}\nweights: {focus: x}\n")
    with pytest.raises(DataError) as exc:
        load_scenario(scen)
    assert {p.code for p in exc.value.report.errors} == {"unknown_key", "bad_value"}


# --------------------------------------------------------------------------- what-ifs


def test_rezone_replace_closes_a_zone_to_its_old_cluster(tmp_path: Path) -> None:
    code, out = _solve(tmp_path, _scenario(tmp_path))
    assert code == 0
    assert _placed(out)["J3"] == "P3"  # the c2 project on the c2 parcel
    scen = _scenario(tmp_path, "rezone:\n  - {zone: B, clusters: [c1]}\n", name="rz.yaml")
    code, out = _solve(tmp_path, scen, "--overwrite")
    assert code == 0
    placed = _placed(out)
    assert "J3" not in placed
    u = pd.read_csv(out / "unassigned.csv", dtype=str)
    assert u.loc[u["project_id"] == "J3", "reason_code"].item() == "no_candidate"
    from geodata.store import load

    _, t, _ = load(tmp_path / "d.gpkg")
    assert list(t.parcels.loc[t.parcels["parcel_id"] == "P3", "clusters"].item()) == ["c2"]


def test_rezone_add_opens_a_zone_to_another_cluster(tmp_path: Path) -> None:
    body = (
        "rezone:\n  - {zone: B, clusters: [c1], mode: add}\n"
        "withheld: [P1, P2]\n"  # only P3 is left: J1 can land there only after the re-zoning
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0
    assert _placed(out).get("J1") == "P3"


def test_extra_projects_are_solved_with_the_data(tmp_path: Path) -> None:
    body = (
        "extra_projects:\n"
        "  - {project_id: NEW1, name: 新项目, cluster: c1, stage: signed, investment_yi: 80,"
        " land_mu: 45}\n"
        "pins: {NEW1: P2}\n"
    )
    code, out = _solve(tmp_path, _scenario(tmp_path, body))
    assert code == 0
    assert _placed(out)["NEW1"] == "P2"
    a = pd.read_csv(out / "assignments.csv", dtype=str)
    assert a.loc[a["project_id"] == "NEW1", "name"].item() == "新项目"
