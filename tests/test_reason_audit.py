"""The reason audit: every claim of every reason and cause, re-derived from the data and the plans.

Written from the result files only (``assignments.csv``, ``unassigned.csv``, ``changes.csv``,
``summary.json``), sharing no code with :mod:`optimizer.explain` or :mod:`optimizer.causes`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from landalloc.anchoring import AnchorRequest
from landalloc.run import run

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))
LIMIT = {"time_limit_s": 2.0, "deterministic": True, "workers": 1}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _plan(folder: Path) -> dict[str, tuple[set[str], str]]:
    a = _csv(folder / "assignments.csv")
    return {
        str(pid): (set(g["carrier_id"]), str(g["year"].iloc[0]))
        for pid, g in a.groupby("project_id")
    }


def _quota(folder: Path) -> dict[tuple[int, str], float]:
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {(int(q["year"]), q["zone"]): float(q["quota_mu"]) for q in s["kpis"]["quota"]}


def _stock(folder: Path) -> set[str]:
    """The 存量 parcels of the result's data (their land uses no quota)."""
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    parcels = pyogrio.read_dataframe(s["data"], layer="parcels", read_geometry=False)
    if "stock" not in parcels.columns:
        return set()
    return {str(c) for c, v in zip(parcels["parcel_id"], parcels["stock"], strict=True) if v}


def _land(
    a: pd.DataFrame, year: int, zone: str, without: str = "", stock: set[str] | None = None
) -> float:
    rows = a[(a["year"] == str(year)) & (a["carrier_kind"] != "factory")]
    rows = rows[rows["project_id"] != without]
    rows = rows[~rows["carrier_id"].isin(stock or set())]
    if zone != "*":
        rows = rows[rows["zone"] == zone]
    return float(rows["area_mu"].astype(float).sum())


def audit(folder: Path, reference: Path | None = None) -> list[str]:
    """Every claim that does not hold, as text (empty: all hold)."""
    bad: list[str] = []
    a, u = _csv(folder / "assignments.csv"), _csv(folder / "unassigned.csv")
    plan, quota, stock = _plan(folder), _quota(folder), _stock(folder)
    points = {
        r.project_id: int(r.coefficient) for r in a.drop_duplicates("project_id").itertuples()
    }
    for r in u.itertuples():
        facts = json.loads(r.facts or "{}")
        where = f"{folder.name}/unassigned {r.project_id}"
        if "更高优先级" in r.reason or "higher-priority" in r.reason_en:
            bad.append(f"{where}: claims a higher priority")
        for t in facts.get("takers", []):
            if t not in plan:
                bad.append(f"{where}: taker {t} is not placed")
        for k in facts.get("clashes", []):  # 邻避: the other project sits where the words say
            if k["other"] not in plan or k["other_carrier"] not in plan[k["other"]][0]:
                bad.append(f"{where}: {k['other']} is not on {k['other_carrier']}")
            if not k["distance_m"] < k["buffer_m"] or f"{k['distance_m']:.0f} 米" not in r.reason:
                bad.append(f"{where}: the clash distance is not stated or not within the buffer")
        for q in facts.get("quota", []):
            y, z = int(q["year"]), q["zone"]
            if abs(quota[(y, z)] - q["quota_mu"]) > 0.01:
                bad.append(f"{where}: quota {y} {z} is {quota[(y, z)]}, not {q['quota_mu']}")
            used = _land(a, y, z, stock=stock)  # the quota the plan uses: 存量 land takes none
            if abs(used - q["used_mu"]) > 0.05:
                bad.append(f"{where}: {y} {z} uses {used:.1f} mu, not {q['used_mu']}")
            if f"{q['quota_mu']:g} 亩已用 {q['used_mu']:g} 亩" not in r.reason:
                bad.append(f"{where}: the words do not state the quota figures")
        cf = facts.get("counterfactual")
        if cf and cf["status"] in ("exact", "found"):
            for q in cf["removed"]:
                if q not in plan:
                    bad.append(f"{where}: removed {q} is not placed")
            if sum(points[q] for q in cf["removed"]) != cf["removed_points"]:
                bad.append(f"{where}: the removed projects do not score {cf['removed_points']}")
            if cf["loss"] > 0 and f"方案将少 {cf['loss']} 分" not in r.reason:
                bad.append(f"{where}: the words do not state the loss")
    if reference is not None:
        bad += _audit_changes(folder, reference, a, plan, quota)
    return bad


def _audit_changes(
    folder: Path,
    reference: Path,
    a: pd.DataFrame,
    plan: dict[str, tuple[set[str], str]],
    quota: dict[tuple[int, str], float],
) -> list[str]:
    bad: list[str] = []
    before, ref_quota = _plan(reference), _quota(reference)
    ref_reasons = dict(
        _csv(reference / "unassigned.csv")[["project_id", "reason_code"]].itertuples(index=False)
    )
    c = _csv(folder / "changes.csv")
    changed = {p for p in set(plan) | set(before) if plan.get(p) != before.get(p)}
    if set(c["project_id"]) != changed:
        bad.append(f"{folder.name}: changes.csv lists {len(c)}, the plans differ in {len(changed)}")
    for r in c.itertuples():
        where = f"{folder.name}/changes {r.project_id}"
        facts = json.loads(r.facts)
        if not r.cause.strip():
            bad.append(f"{where}: no cause")
        if r.cause_code == "quota":
            key = (int(facts["year"]), facts["zone"])
            if abs(ref_quota.get(key, quota[key]) - facts["quota_ref_mu"]) > 0.01:
                bad.append(f"{where}: the reference quota is not {facts['quota_ref_mu']}")
            if abs(quota[key] - facts["quota_mu"]) > 0.01:
                bad.append(f"{where}: the quota is not {facts['quota_mu']}")
            used = _land(a, *key, without=r.project_id, stock=_stock(folder))
            if abs(used - facts["used_mu"]) > 0.05:
                bad.append(f"{where}: others use {used:.1f} mu, not {facts['used_mu']}")
            if facts["quota_mu"] - facts["used_mu"] >= facts["need_mu"]:
                bad.append(f"{where}: the quota left would fit it")
        if r.cause_code == "displaced":
            held = before[r.project_id][0]
            for t in facts["takers"]:
                if t not in plan or not plan[t][0] & held:
                    bad.append(f"{where}: {t} does not hold its former carrier")
        if r.cause_code == "freed" and "held_by" in facts:
            for t in facts["held_by"]:
                if t not in before or not before[t][0] & plan[r.project_id][0]:
                    bad.append(f"{where}: {t} did not hold its carrier in the reference")
        gained_by_rule = r.cause_code == "rule_changed" and r.change == "gained"
        if gained_by_rule and ref_reasons.get(r.project_id) != facts["reference_reason"]:
            bad.append(f"{where}: the reference reason was not {facts['reference_reason']}")
    return bad


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("audit")
    base = root / "baseline"
    run(Path("scenarios/baseline.yaml"), base, solver_overrides=LIMIT)
    out = {"baseline": base}
    for path in SCENARIOS:
        if path.stem != "baseline":
            out[path.stem] = root / path.stem
            run(path, out[path.stem], solver_overrides=LIMIT, anchor=AnchorRequest(base))
    return out


@pytest.mark.slow
def test_every_reason_and_cause_holds(results: dict[str, Path]) -> None:
    assert len(results) == len(SCENARIOS) >= 5
    for name, folder in results.items():
        ref = None if name == "baseline" else results["baseline"]
        assert audit(folder, ref) == [], name
    cut = _csv(results["quota_cut"] / "changes.csv")
    assert len(cut) and (cut["cause"] != "").all()
    assert "quota" in set(cut["cause_code"])


@pytest.mark.slow
def test_the_audit_fails_on_planted_wrong_reasons(results: dict[str, Path], tmp_path: Path) -> None:
    base = tmp_path / "baseline"
    shutil.copytree(results["baseline"], base)
    u = _csv(base / "unassigned.csv")
    i = u.index[u["reason_code"] == "quota_exhausted"][0]
    facts = json.loads(u.at[i, "facts"])
    facts["quota"][0]["used_mu"] += 10  # a wrong figure
    u.at[i, "facts"] = json.dumps(facts, ensure_ascii=False)
    j = u.index[u["reason_code"] == "outcompeted"][0]
    u.at[j, "reason"] = "其候选载体均被更高优先级项目占用"  # the old false claim
    u.to_csv(base / "unassigned.csv", index=False, encoding="utf-8-sig")
    bad = audit(base)
    assert any("uses" in b for b in bad) and any("higher priority" in b for b in bad)
    cut = tmp_path / "quota_cut"
    shutil.copytree(results["quota_cut"], cut)
    c = _csv(cut / "changes.csv")
    k = c.index[c["cause_code"] == "quota"][0]
    facts = json.loads(c.at[k, "facts"])
    facts["quota_ref_mu"] += 100  # a quota the reference did not have
    c.at[k, "facts"] = json.dumps(facts, ensure_ascii=False)
    c.to_csv(cut / "changes.csv", index=False, encoding="utf-8-sig")
    assert any("reference quota" in b for b in audit(cut, results["baseline"]))
