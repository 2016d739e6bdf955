"""``landalloc readiness --unlock``: what unlocks most (优先打通), ranked with owners.

For every gap group (one readiness date column in one zone with dates still to come,
:func:`optimizer.views.unlock.gap_groups`), the base scenario with that group delivered
``--months`` earlier (default 3) is solved again; the groups are independent engine tasks, run
in parallel (:mod:`landalloc.engine`) and cached in ``OUT/.cache``. The gains
(:func:`optimizer.views.unlock.group_gain`) are ranked and each is said in one sentence:
"若科技城片区通电提前 3 个月到位，可多落地 2 个项目、投资 5.1 亿元，并使 11 个项目提前开工（投资
37.0 亿元）（责任：供电服务中心）".

Written: ``unlock.xlsx`` (the ranking, filterable) and ``unlock.csv`` for machines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from landalloc.console import t
from landalloc.readiness_plan import PlanBase, base_data, run_variants, variant
from landalloc.readiness_print import _rows, _say
from landalloc.readiness_sheets import _write_csv, _write_xlsx
from maps.i18n import zone_names
from optimizer.views.unlock import gain_sentence, gap_groups, group_gain, rank_gains

#: Months earlier when ``--months`` is not given.
DEFAULT_MONTHS = 3

_HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "rank"),
    "sentence": ("结论", "finding"),
    "owner": ("责任部门", "department"),
    "item": ("缺项", "item"),
    "zone_name": ("片区", "zone"),
    "parcels": ("涉及地块(宗)", "parcels"),
    "months": ("提前(月)", "months earlier"),
    "benefit_yi": ("受益投资(亿元)", "investment gaining (100M CNY)"),
    "more_projects": ("多落地项目(个)", "more projects placed"),
    "more_yi": ("多落地投资(亿元)", "more investment placed (100M CNY)"),
    "earlier": ("提前开工项目(个)", "projects starting earlier"),
    "earlier_days": ("平均提前(天)", "mean days earlier"),
    "earlier_yi": ("提前开工投资(亿元)", "investment starting earlier (100M CNY)"),
    "d_objective": ("目标值增减", "change in objective"),
    "method": ("计算方式", "method"),
    "key": ("缺项代码", "item code"),
    "zone": ("片区代码", "zone code"),
}
_METHODS = {
    "resolved": ("重新求解", "re-solved"),
    "kept": (
        "原方案不变（重新求解未找到更优方案）",
        "base plan kept (the re-solve found no better plan)",
    ),
    "error": ("求解失败", "solve failed"),
}


def unlock_ranking(
    base: PlanBase, months: int, today: dt.date, lang: str, opts: dict[str, Any],
    cache: Path | None,
) -> tuple[pd.DataFrame, dict[str, str], str]:  # fmt: skip
    """Solve the base and every gap group delivered ``months`` earlier; the ranking (with a
    ``sentence`` column), the zone names and where the work ran."""
    inst, rules, tables = base_data(base)
    groups = gap_groups(inst, rules, today)
    if opts.get("zone"):
        groups = [g for g in groups if g.zone == opts["zone"]]
    scenarios = {"base": base.scenario}
    for g in groups:
        slip = g.slip(months)
        scenarios[g.label] = variant(
            base, [{"precondition": slip.precondition, "zone": slip.zone, "months": slip.months}]
        )
    results, where = run_variants(
        base, scenarios, address=opts.get("address"), processes=opts.get("processes"),
        cache_dir=cache, progress=t(lang, "优先打通", "unlock"), lang=lang,
    )  # fmt: skip
    ref = results["base"]
    if ref.get("error"):
        raise RuntimeError(f"the base scenario could not be solved: {ref.get('message')}")
    ranked = rank_gains([group_gain(g, months, ref, results[g.label], inst, rules) for g in groups])
    names = zone_names(tables, lang)
    ranked["sentence"] = [
        gain_sentence(row, names.get(str(row["zone"])) or str(row["zone"]), lang)
        for row in ({str(k): v for k, v in r.items()} for r in ranked.to_dict("records"))
    ]
    return ranked, names, where


def _sheet(ranked: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    out = ranked.copy()
    out["owner"] = out["owner_zh"] if lang == "zh" else out["owner_en"]
    out["item"] = out["item_zh"] if lang == "zh" else out["item_en"]
    out["zone_name"] = [names.get(z) or z for z in out["zone"]]
    out["method"] = [t(lang, *_METHODS[m]) for m in out["method"]]
    out = out[list(_HEADERS)]
    return out.rename(columns={c: t(lang, *_HEADERS[c]) for c in out.columns})


def _filter(ws: Any, df: pd.DataFrame) -> None:
    ws.auto_filter.ref = ws.dimensions


def run_unlock(
    base: PlanBase, out: Path, day: dt.date, lang: str, opts: dict[str, Any]
) -> list[str]:
    """``--unlock``: solve, print the top of the ranking and write it; the names written."""
    months = opts.get("months") or DEFAULT_MONTHS
    _say(
        t(
            lang,
            f"优先打通：基准 {base.label}，各片区各缺项提前 {months} 个月到位（检查日期 {day}），"
            f"每次求解 {base.overrides['time_limit_s']:g} 秒",
            f"what unlocks most: base {base.label}, each gap of each zone {months} months "
            f"earlier (as of {day}), {base.overrides['time_limit_s']:g} s per solve",
        )
    )
    ranked, names, where = unlock_ranking(base, months, day, lang, opts, out / ".cache")
    _say(where)
    for r in _rows(ranked.head(opts.get("top") or 10)):
        _say(f"  {r.rank}. {r.sentence}")
    out.mkdir(parents=True, exist_ok=True)
    _write_xlsx(out / "unlock.xlsx", [(t(lang, "优先打通", "unlock"), _sheet(ranked, names, lang),
                                       _filter)])  # fmt: skip
    _write_csv(out / "unlock.csv", ranked)
    return ["unlock.xlsx", "unlock.csv"]


__all__ = ["DEFAULT_MONTHS", "run_unlock", "unlock_ranking"]
