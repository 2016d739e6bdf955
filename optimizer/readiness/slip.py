"""Readiness dates that slip (or come earlier): the what-if of a scenario's ``readiness_slip``.

A slip moves every *scheduled* date of the preconditions of one department, or of one
precondition, by a whole number of months, on every parcel or on the parcels of one zone::

    readiness_slip:
      - {department: 供电服务中心, months: 6}        # every power date 6 months later
      - {precondition: planning, zone: KJC, months: -3}   # KJC's planning conditions 3 earlier

Semantics
---------
* a department is named by its Chinese or English name as in the rule set (``owner_zh`` /
  ``owner_en``); its items are the preconditions it owns, and the dates moved are those of their
  parcel columns. The data hold one date per column: when two departments own items on the same
  column (the regional assessments, ``ready_assessment``), a slip of either moves that date, as
  the assessments are complete only when both are;
* ``months`` > 0 delays, < 0 brings forward; the day of the month is kept, or the last day of
  the month when it has fewer days (31 August + 6 months = 28 or 29 February);
* a date that is not scheduled stays not scheduled; ``zone`` (a zone code) limits the slip to
  that zone's parcels;
* the slips are applied in order, to the parcels table (what the verifier and the maps read);
  the :class:`~geodata.instance.Instance` is built from it, so the candidates, the model, the
  start dates and the verifier all see the moved dates.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geodata.instance import Instance
from geodata.report import Report
from geodata.tables import Tables
from optimizer.readiness.rules import RuleSet


@dataclass(frozen=True)
class Slip:
    """One slip: the items of ``department`` or the item ``precondition``, by ``months``."""

    months: int
    department: str | None = None
    precondition: str | None = None
    zone: str | None = None

    @classmethod
    def of(cls, value: Slip | Mapping[str, Any]) -> Slip:
        """A slip from a mapping with the keys of the scenario file."""
        if isinstance(value, Slip):
            return value
        return cls(
            months=int(value["months"]),
            department=value.get("department") or None,
            precondition=value.get("precondition") or None,
            zone=value.get("zone") or None,
        )

    def text(self, rules: RuleSet, lang: str = "zh") -> str:
        """``供电服务中心 推迟 6 个月`` / ``Power Supply Service Centre 6 months later``."""
        who = self.department or ""
        if self.precondition is not None:
            pre = {p.key: p for p in rules.preconditions}.get(self.precondition)
            who = pre.name(lang) if pre is not None else self.precondition
        elif self.department is not None:
            names = {o: pair for pair in rules.owners() for o in pair}
            pair = names.get(self.department, (self.department, self.department))
            who = pair[0] if lang == "zh" else pair[1]
        n = abs(self.months)
        if lang == "zh":
            where = f"{self.zone} 片区" if self.zone else ""
            return f"{where}{who}{'推迟' if self.months >= 0 else '提前'} {n} 个月"
        where = f" in zone {self.zone}" if self.zone else ""
        return f"{who}{where} {n} months {'later' if self.months >= 0 else 'earlier'}"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, the day clamped to the length of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def slip_columns(rules: RuleSet, slip: Slip) -> list[str]:
    """The parcel columns whose dates ``slip`` moves (empty when it names nothing known)."""
    if slip.precondition is not None:
        pres = [p for p in rules.preconditions if p.key == slip.precondition]
    else:
        pres = [p for p in rules.preconditions if slip.department in (p.owner_zh, p.owner_en)]
    return list(dict.fromkeys(p.column for p in pres))


def check_slips(
    rules: RuleSet, slips: Sequence[Slip], zones: set[str], report: Report, source: str
) -> None:
    """Report every slip that names no department, precondition or zone of the rules/data."""
    keys = [p.key for p in rules.preconditions]
    for i, s in enumerate(slips):
        where = {"file": source, "column": f"readiness_slip.{i}"}
        if (s.department is None) == (s.precondition is None):
            report.error(
                "bad_slip",
                "readiness_slip 的每一项须且只须给出 department（部门）或 precondition（条件代码）之一",
                "each readiness_slip entry needs exactly one of department or precondition",
                **where,
            )
        elif s.precondition is not None and s.precondition not in keys:
            report.error(
                "unknown_precondition",
                f"readiness_slip 中的条件 {s.precondition} 不在就绪规则中",
                f"readiness_slip: precondition {s.precondition} is not in the readiness rules",
                hint_zh="、".join(keys),
                hint_en=", ".join(keys),
                **where,
            )
        elif s.department is not None and not slip_columns(rules, s):
            report.error(
                "unknown_department",
                f"readiness_slip 中的部门 {s.department} 不负责任何就绪条件",
                f"readiness_slip: department {s.department} owns no readiness precondition",
                hint_zh="、".join(dict.fromkeys(o for o, _ in rules.owners())),
                hint_en=", ".join(dict.fromkeys(o for _, o in rules.owners())),
                **where,
            )
        if s.zone is not None and s.zone not in zones:
            report.error(
                "unknown_zone",
                f"readiness_slip 中的片区 {s.zone} 不在数据中",
                f"readiness_slip: zone {s.zone} is not in the data",
                hint_zh="、".join(sorted(zones)),
                hint_en=", ".join(sorted(zones)),
                **where,
            )


def slip_parcels(parcels: pd.DataFrame, rules: RuleSet, slips: Sequence[Slip]) -> pd.DataFrame:
    """A copy of the parcels table with the scheduled dates of each slip moved (in order)."""
    out = parcels.copy()
    for s in slips:
        rows = out["zone"] == s.zone if s.zone is not None else pd.Series(True, index=out.index)
        for col in slip_columns(rules, s):
            if col not in out.columns:
                continue
            moved = [
                add_months(v, s.months) if hit and isinstance(v, dt.date) else v
                for v, hit in zip(out[col], rows, strict=True)
            ]
            out[col] = pd.Series(moved, index=out.index, dtype=object)
    return out


def slip_instance(instance: Instance, rules: RuleSet, slips: Sequence[Slip]) -> Instance:
    """The instance with each slip applied to its parcels' readiness dates (as
    :func:`slip_parcels` does to the table; for the views, which compare dates before and
    after)."""
    parcels = list(instance.parcels)
    for s in slips:
        items = [c.removeprefix("ready_") for c in slip_columns(rules, s)]
        for i, p in enumerate(parcels):
            if s.zone is not None and p.zone != s.zone:
                continue
            ready = dict(p.ready)
            for k in items:
                value = ready.get(k)
                if isinstance(value, dt.date):
                    ready[k] = add_months(value, s.months)
            parcels[i] = dataclasses.replace(p, ready=ready)
    return dataclasses.replace(instance, parcels=tuple(parcels))


def slip_tables(
    tables: Tables,
    rules: RuleSet,
    slips: Sequence[Slip | Mapping[str, Any]],
    source: str = "readiness_slip",
) -> Tables:
    """The tables with the slips applied to the parcels' readiness dates.

    Raises
    ------
    geodata.report.DataError
        When a slip names no department, precondition or zone of the rules and data (every
        problem listed, naming ``source``).
    """
    found = [Slip.of(s) for s in slips]
    report = Report()
    check_slips(rules, found, {str(z) for z in tables.parcels["zone"]}, report, source)
    report.raise_if_errors()
    return dataclasses.replace(tables, parcels=slip_parcels(tables.parcels, rules, found))


__all__ = [
    "Slip",
    "add_months",
    "check_slips",
    "slip_columns",
    "slip_instance",
    "slip_parcels",
    "slip_tables",
]
