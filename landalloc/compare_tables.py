"""Comparing result folders: the KPIs side by side, the placements that differ, the files.

:func:`kpi_table` puts the KPIs of several results side by side (labels in the chosen language,
quota rows named by the data's zone names); :func:`placement_diff` lists the projects moved, lost
or gained against a reference, with the reason from ``unassigned.csv`` of the result where the
project is unplaced; :func:`write_compare_xlsx` and the CSV writer keep text from becoming
formulas. Used by :func:`landalloc.compare.compare` and :func:`landalloc.reproduce.rerun`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from geodata.report import DataError
from geodata.store import atomic_path
from geodata.textsafe import neutralise_csv_text, neutralise_text, restore_csv_text
from landalloc.report_xlsx import add_table_sheet
from maps.i18n import code_label, zone_names
from optimizer.kpis import tier_text

DIFF_COLUMNS = [
    "scenario",
    "reference",
    "project_id",
    "name",
    "change",
    "before",
    "after",
    "reason_code",
    "reason",
]

_CHANGE_ZH = {"moved": "调整载体", "lost": "未落地", "gained": "新增落地"}

#: The differences of ``compare``: each changed project with its cause (``changes.csv``).
CAUSE_COLUMNS = [*(c for c in DIFF_COLUMNS if not c.startswith("reason")), "cause_code", "cause"]


def _read_csv(path: Path) -> pd.DataFrame:
    """A result CSV, its text columns as the data had them (see :mod:`geodata.textsafe`)."""
    return restore_csv_text(
        pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    )


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def _signed_unready(assignments: pd.DataFrame) -> int:
    """Signed projects placed on land not ready to build on acquisition."""
    a = assignments
    if a.empty:
        return 0
    m = (a["stage"] == "signed") & (a["carrier_kind"] == "parcel") & (a["readiness"] != "ready")
    return int(a.loc[m, "project_id"].nunique())


def _data_zone_names(folders: Sequence[Path], lang: str) -> dict[str, str]:
    """Zone code → name from the data files the result folders were solved on.

    The ``data`` of each ``summary.json`` (relative to its folder when not absolute), as the map
    names zones; a data file that is gone or unreadable names nothing (its codes are shown).
    """
    from geodata.store import validate

    out: dict[str, str] = {}
    seen: set[Path] = set()
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        if not summary.get("data"):
            continue
        data = Path(str(summary["data"]))
        data = data if data.is_absolute() else (folder / data).resolve()
        if data in seen or not data.exists():
            continue
        seen.add(data)
        try:
            tables, _ = validate(data)
        except (DataError, OSError):
            continue
        if tables is not None:
            out = {**zone_names(tables, lang), **out}
    return out


def kpi_table(
    folders: Sequence[Path],
    names: Sequence[str],
    lang: str = "zh",
    *,
    zones: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The KPIs of several result folders side by side.

    Parameters
    ----------
    folders
        Result folders (``summary.json`` and ``assignments.csv`` are read).
    names
        Column headers (the scenario names), one per folder.
    lang
        Language of the KPI labels and of the solve status.
    zones
        Zone code → name for the quota rows; by default the names of the data files the folders
        were solved on (:func:`maps.i18n.zone_names`, the names the map shows), else the codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``key`` (a code: ``quota:2026:KJC``), ``kpi`` (label with unit) and one column per
        scenario.
    """
    zh = lang == "zh"
    if zones is None:
        zones = _data_zone_names(folders, lang)
    rows: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for folder, col in zip(folders, names, strict=True):
        for key, label_zh, label_en, value in _folder_kpis(folder, zones, lang):
            labels.setdefault(key, label_zh if zh else label_en)
            rows.setdefault(key, {})[col] = value
    table = [
        {"key": key, ("指标" if zh else "kpi"): labels[key], **{c: vals.get(c) for c in names}}
        for key, vals in rows.items()
    ]
    return pd.DataFrame(table, columns=["key", "指标" if zh else "kpi", *names])


def _folder_kpis(folder: Path, zones: dict[str, str], lang: str) -> list[tuple[str, str, str, Any]]:
    """The KPIs of one result folder as (key, Chinese label, English label, value), in order."""
    out: list[tuple[str, str, str, Any]] = []

    def put(key: str, label_zh: str, label_en: str, value: Any) -> None:
        out.append((key, label_zh, label_en, value))

    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    k = s["kpis"]
    a = _read_csv(folder / "assignments.csv")
    put(
        "status",
        "求解状态",
        "status",
        code_label("status", str(s.get("status") or ""), lang),
    )
    put("objective", "目标值(分)", "objective (points)", _num(s.get("objective")))
    put("projects_placed", "落地项目数(个)", "projects placed", k["projects_placed"])
    put(
        "investment_yi",
        "落地总投资(亿元)",
        "investment landed (100M CNY)",
        k["investment_yi"],
    )
    put("output_yi", "落地年产值(亿元)", "output landed (100M CNY/yr)", k["output_yi"])
    put("tax_wan", "落地年税收(万元)", "tax landed (10k CNY/yr)", k["tax_wan"])
    put("jobs", "就业(人)", "jobs", k["jobs"])
    put("land_mu", "供地面积(亩)", "land supplied (mu)", k["land_mu"])
    put("floor_m2", "标准厂房出租面积(㎡)", "factory floor let (m²)", k["floor_m2"])
    for tier, n in k["major_by_tier"].items():
        en_tier = tier_text(tier, "en")
        put(f"major:{tier}", f"重大项目{tier}落地(个)", f"major {en_tier} placed", n)
    sr = k.get("supply_rate_signed_major")
    put(
        "supply_rate_signed_major",
        "签约重大项目供地率(%)",
        "supply rate of signed majors (%)",
        None if sr is None else round(100 * sr, 1),
    )
    rs = k.get("ready_share")
    put(
        "ready_share",
        "拿地即开工占比(%)",
        "share ready to build (%)",
        None if rs is None else round(100 * rs, 1),
    )
    put(
        "signed_unready",
        "落在未具备开工条件地块的签约项目(个)",
        "signed projects on land not ready (count)",
        _signed_unready(a),
    )
    put(
        "negotiating_placed",
        "落地的在谈项目(个)",
        "negotiating projects placed",
        int(a.loc[a["stage"] == "negotiating", "project_id"].nunique()) if len(a) else 0,
    )
    out.extend(_anchor_kpis(s.get("anchor") or {}))
    for q in k.get("quota", []):
        y, z = q["year"], q["zone"]
        zname = zones.get(z) or code_label("zone", z, lang)
        put(
            f"quota_used:{y}:{z}",
            f"{y}年 {zname} 已用指标(亩)",
            f"{y} {zname} quota used (mu)",
            q["used_mu"],
        )
        put(
            f"quota:{y}:{z}",
            f"{y}年 {zname} 用地指标(亩)",
            f"{y} {zname} quota (mu)",
            q["quota_mu"],
        )
    return out


def _anchor_kpis(anchor: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The rows of a result solved against a reference: changes, and what anchoring avoided."""
    return [
        (
            "anchor_changes",
            "相对基准情景改动的项目(个)",
            "projects changed from the reference",
            anchor.get("changes"),
        ),
        (
            "anchor_avoided",
            "锚定基准方案减少的改动(个)",
            "changes avoided by anchoring on the reference",
            anchor.get("avoided"),
        ),
        (
            "objective_unanchored",
            "不锚定时的目标值(分)",
            "objective without anchoring (points)",
            _num(anchor.get("objective_unanchored")),
        ),
    ]


def _placements(a: pd.DataFrame) -> dict[str, str]:
    """project → ``carrier+carrier@year``."""
    out: dict[str, str] = {}
    for pid, g in a.groupby("project_id", sort=True):
        out[str(pid)] = "+".join(sorted(g["carrier_id"])) + "@" + str(g["year"].iloc[0])
    return out


def placement_diff(
    ref_name: str,
    ref_dir: Path,
    name: str,
    other_dir: Path,
    lang: str = "zh",
) -> pd.DataFrame:
    """Projects moved, lost or gained in ``other_dir`` against ``ref_dir``.

    Parameters
    ----------
    ref_name, name
        The two scenarios' names.
    ref_dir, other_dir
        Their result folders.
    lang
        Language of the ``change`` and ``reason`` columns.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DIFF_COLUMNS`. ``before``/``after`` are ``carrier[+carrier]@year``; the
        reason of a lost (gained) project is its reason in ``unassigned.csv`` of ``other_dir``
        (``ref_dir``), where it is unplaced.
    """
    zh = lang == "zh"
    ra, oa = _read_csv(ref_dir / "assignments.csv"), _read_csv(other_dir / "assignments.csv")
    ru, ou = _read_csv(ref_dir / "unassigned.csv"), _read_csv(other_dir / "unassigned.csv")
    before, after = _placements(ra), _placements(oa)
    names = {**dict(zip(ru["project_id"], ru["name"], strict=True))}
    names.update(zip(ou["project_id"], ou["name"], strict=True))
    names.update(zip(ra["project_id"], ra["name"], strict=True))
    names.update(zip(oa["project_id"], oa["name"], strict=True))

    def reason(u: pd.DataFrame, pid: str) -> tuple[str, str]:
        hit = u[u["project_id"] == pid]
        if hit.empty:
            return "", ""
        col = "reason" if zh or "reason_en" not in u.columns else "reason_en"
        return str(hit["reason_code"].iloc[0]), str(hit[col].iloc[0])

    rows = []
    for pid in sorted(set(before) | set(after)):
        b, a = before.get(pid, ""), after.get(pid, "")
        if b == a:
            continue
        if b and a:
            change, (code, why) = "moved", ("", "")
        elif b:
            change, (code, why) = "lost", reason(ou, pid)
        else:
            change, (code, why) = "gained", reason(ru, pid)
        rows.append(
            {
                "scenario": name,
                "reference": ref_name,
                "project_id": pid,
                "name": names.get(pid, ""),
                "change": _CHANGE_ZH[change] if zh else change,
                "before": b,
                "after": a,
                "reason_code": code,
                "reason": why,
            }
        )
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def cause_diff(ref_name: str, name: str, folder: Path, lang: str = "zh") -> pd.DataFrame:
    """The changes of a result solved against a reference (its ``changes.csv``), each with its
    cause, as rows of :data:`CAUSE_COLUMNS` (``change`` and ``cause`` in ``lang``)."""
    zh = lang == "zh"
    c = _read_csv(folder / "changes.csv")
    out = pd.DataFrame(
        {
            "scenario": name,
            "reference": ref_name,
            "project_id": c["project_id"],
            "name": c["name"],
            "change": [_CHANGE_ZH[x] if zh else x for x in c["change"]],
            "before": c["before"],
            "after": c["after"],
            "cause_code": c["cause_code"],
            "cause": c["cause" if zh else "cause_en"],
        }
    )
    return out[CAUSE_COLUMNS]


_DIFF_HEADERS_ZH = {
    "scenario": "情景",
    "reference": "基准情景",
    "project_id": "项目编号",
    "name": "项目名称",
    "change": "变化",
    "before": "基准情景载体(编号@年份)",
    "after": "本情景载体(编号@年份)",
    "reason_code": "原因代码",
    "reason": "未落地原因",
    "cause_code": "原因代码",
    "cause": "原因",
}


def write_compare_xlsx(
    path: Path, kpis: pd.DataFrame, diffs: pd.DataFrame, lang: str = "zh"
) -> None:
    """``compare.xlsx``: the KPI table side by side, then the placement differences."""
    zh = lang == "zh"
    wb = Workbook()
    wb.remove(wb.active)
    add_table_sheet(wb, "指标对比" if zh else "KPIs", kpis.drop(columns="key"), lang)
    add_table_sheet(
        wb,
        "落地差异" if zh else "differences",
        diffs,
        lang,
        headers=_DIFF_HEADERS_ZH if zh else None,
    )
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    # text that starts like a formula gets a leading ' (names, reasons; scenario-name headers)
    safe = neutralise_csv_text(df).rename(columns=neutralise_text)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig")
