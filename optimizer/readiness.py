"""Readiness for "拿地即开工": can a project start construction the day it gets its land?

The rule set is data (``optimizer/readiness_rules.yaml``, overridable per scenario), read by
:func:`load_rules`. Everything else here is a pure function of :mod:`geodata.instance` objects.

Semantics of :func:`assess` (the solver and the independent verifier rely on them)
----------------------------------------------------------------------------------
For a project placed on a parcel with land supplied in year ``year``:

* the supply decision is taken on 1 January of ``year``;
* ``acquisition`` (land transfer completed, contract signed) = ``date(year, 1, 1) +
  rules.transfer_days`` days;
* ``desired_start`` = ``date(project.start_year, 1, 1)``;
* the *applicable* preconditions are those with ``applies_to == "all"`` plus those with
  ``applies_to == "need:X"`` where ``X`` is in ``project.needs``; a precondition's date is
  ``parcel.ready[column without the "ready_" prefix]`` (absent or ``None`` = not scheduled);
* ``ready_date`` = the latest applicable date; when any applicable precondition is not scheduled,
  ``ready_date`` and ``earliest_start`` are ``None`` and the status is ``"blocked"``;
* otherwise, with ``base = max(acquisition, desired_start)``: status ``"ready"`` when
  ``ready_date <= base``, else ``"ready_by"``; ``earliest_start = max(acquisition,
  desired_start, ready_date)``;
* with no applicable precondition at all the status is ``"ready"``, ``ready_date`` is ``None``
  and ``earliest_start = base``;
* ``missing`` lists, in rule-set order, the applicable preconditions whose date is ``None`` or
  later than ``base``.

District inventory (no particular project)
------------------------------------------
:func:`parcel_status` and :func:`parcel_inventory` judge a parcel against ``today`` using the
"all" preconditions plus the utilities in ``rules.standard_needs`` (water, power, road, drainage
by default): ``"ready"`` (标准地-ready: all met by ``today``), ``"ready_by"`` (all scheduled, the
last after ``today``) or ``"blocked"`` (one not scheduled). :func:`department_view` and
:func:`quarter_view` summarise the inventory per owning department and per calendar quarter.

Override schema (``load_rules``)
--------------------------------
Layers are applied in order: the package YAML, then an optional YAML file, then a mapping (e.g.
the ``readiness`` section of a scenario file). Each layer may hold::

    version: "2025.1-sip"              # text
    transfer_days: 60                  # integer days, 0..3650
    standard_land_needs: [water, power, road, drainage, telecom]
    preconditions:
      gas: {owner_zh: 港华燃气, owner_en: Towngas}     # change some fields of an existing item
      heat: {enabled: false}                          # drop an item
      fire: {name_zh: ..., name_en: ..., column: ready_road, applies_to: all,
             owner_zh: ..., owner_en: ...}            # a new item needs every field

Unknown keys, wrong types, unknown columns or utilities raise
:class:`~geodata.report.DataError` listing every problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from geodata.inputs import MAX_YAML_BYTES, check_input_file, load_yaml
from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS, UTILITIES, Instance, Parcel, Project
from geodata.report import DataError, Report
from geodata.schema import normalise_text, parse_list, parse_number
from geodata.units import cmu_to_mu
from optimizer.arrays import parcel_arrays
from optimizer.constraints import fit
from optimizer.settings import Policy

Status = Literal["ready", "ready_by", "blocked"]

#: Parcel columns a precondition may read.
READY_COLUMNS: tuple[str, ...] = tuple(f"ready_{k}" for k in READINESS_ITEMS)
#: Display names of the statuses (zh, en).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "ready": ("已具备", "ready"),
    "ready_by": ("待具备", "ready by"),
    "blocked": ("受阻", "blocked"),
}

_PRECONDITION_FIELDS = ("name_zh", "name_en", "column", "applies_to", "owner_zh", "owner_en")
_TOP_KEYS = ("version", "transfer_days", "standard_land_needs", "preconditions")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PACKAGE_SOURCE = "readiness_rules.yaml"


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Precondition:
    """One readiness precondition (an item of 七通一平, planning conditions, assessments)."""

    key: str
    name_zh: str
    name_en: str
    column: str
    applies_to: str
    owner_zh: str
    owner_en: str

    @property
    def item(self) -> str:
        """The key of :attr:`geodata.instance.Parcel.ready` this precondition reads."""
        return self.column.removeprefix("ready_")

    def applies(self, needs: Iterable[str]) -> bool:
        """True when the precondition matters for a project with these ``needs``."""
        if self.applies_to == "all":
            return True
        return self.applies_to.removeprefix("need:") in set(needs)

    def name(self, lang: str = "zh") -> str:
        """The name in one language."""
        return self.name_zh if lang == "zh" else self.name_en

    def owner(self, lang: str = "zh") -> str:
        """The owning department in one language."""
        return self.owner_zh if lang == "zh" else self.owner_en


@dataclass(frozen=True)
class RuleSet:
    """A versioned readiness rule set.

    Parameters
    ----------
    version
        Free text identifying the rule set (shown in outputs).
    transfer_days
        Days from the supply decision (1 January of the supply year) to the signed land contract.
    preconditions
        The checks, in display order.
    standard_needs
        Utilities a parcel needs (with every ``"all"`` precondition) to be 标准地-ready in the
        district inventory.
    """

    version: str
    transfer_days: int
    preconditions: tuple[Precondition, ...]
    standard_needs: frozenset[str] = DEFAULT_NEEDS

    def applicable(self, needs: Iterable[str]) -> tuple[Precondition, ...]:
        """The preconditions that apply to a project with these ``needs``."""
        needs = frozenset(needs)
        return tuple(p for p in self.preconditions if p.applies(needs))


@dataclass(frozen=True)
class Missing:
    """A precondition not met in time; ``date`` is ``None`` when it is not scheduled at all."""

    key: str
    name_zh: str
    name_en: str
    owner_zh: str
    owner_en: str
    date: dt.date | None

    def text(self, lang: str = "zh") -> str:
        """``供电（供电服务中心）2026-03-01`` / ``power connected (…) not scheduled``."""
        if lang == "zh":
            when = self.date.isoformat() if self.date else "未排期"
            return f"{self.name_zh}（{self.owner_zh}）{when}"
        when = self.date.isoformat() if self.date else "not scheduled"
        return f"{self.name_en} ({self.owner_en}) {when}"


@dataclass(frozen=True)
class Assessment:
    """Readiness of one (project, parcel, supply year); see the module docstring."""

    status: Status
    acquisition: dt.date
    desired_start: dt.date
    earliest_start: dt.date | None
    ready_date: dt.date | None
    missing: tuple[Missing, ...]


@dataclass(frozen=True)
class ParcelStatus:
    """Readiness of a parcel on a given day, for the district inventory (no project)."""

    parcel_id: str
    status: Status
    ready_date: dt.date | None
    missing: tuple[Missing, ...]
    dates: Mapping[str, dt.date | None]


# --------------------------------------------------------------------------- rule set loading


@functools.lru_cache(maxsize=1)
def _package_rules_text() -> str:
    return resources.files("optimizer").joinpath(_PACKAGE_SOURCE).read_text(encoding="utf-8")


def _read_yaml(path: Path, report: Report) -> Mapping[str, Any] | None:
    where = {"file": str(path)}
    # a FIFO or device would hang the read, a huge file exhaust memory (geodata.inputs)
    if not check_input_file(
        path, report, what=("规则文件", "rules file"), max_bytes=MAX_YAML_BYTES
    ):
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.error(
            "unreadable", f"无法读取规则文件：{exc}", f"cannot read rules file: {exc}", **where
        )
        return None
    errors = len(report.errors)
    # no aliases (alias bombs), bounded nesting, keys written twice reported with both lines
    loaded = load_yaml(text, report, file=str(path))
    if loaded is None or len(report.errors) > errors:
        return None
    data = loaded[0]
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        report.error(
            "bad_rules",
            "规则文件的顶层应为键值对（mapping）",
            "the top level of a rules file must be a mapping",
            **where,
        )
        return None
    return data


def _apply_layer(
    state: dict[str, Any], layer: Mapping[str, Any], report: Report, source: str
) -> None:
    """Merge one override layer into ``state``, reporting every bad key or value."""

    def err(code: str, zh: str, en: str, column: str, hint: tuple[str, str] | None = None) -> None:
        report.error(
            code,
            zh,
            en,
            file=source,
            column=column,
            hint_zh=hint[0] if hint else None,
            hint_en=hint[1] if hint else None,
        )

    for key, value in layer.items():
        k = str(key)
        if k not in _TOP_KEYS:
            err(
                "unknown_key",
                f"未知的规则项 “{k}”",
                f"unknown rules key '{k}'",
                k,
                ("、".join(_TOP_KEYS), ", ".join(_TOP_KEYS)),
            )
        elif k == "version":
            text = normalise_text(value)
            if not text or isinstance(value, Mapping | list):
                err("bad_value", "version 应为非空文本", "version must be non-empty text", k)
            else:
                state["version"] = text
        elif k == "transfer_days":
            x = None if isinstance(value, bool) else parse_number(value)
            if x is None or not float(x).is_integer() or not 0 <= x <= 3650:
                err(
                    "bad_value",
                    f"transfer_days 应为 0 到 3650 之间的整数天数（实际 “{value}”）",
                    f"transfer_days must be a whole number of days in 0..3650 (got '{value}')",
                    k,
                    ("例如 44", "e.g. 44"),
                )
            else:
                state["transfer_days"] = int(x)
        elif k == "standard_land_needs":
            items = (
                [normalise_text(v) for v in value]
                if isinstance(value, list | tuple)
                else parse_list(value)
            )
            bad = [u for u in items if u not in UTILITIES]
            if bad or isinstance(value, Mapping):
                err(
                    "bad_value",
                    f"standard_land_needs 含未知的配套 {', '.join(bad) or value}",
                    f"standard_land_needs lists unknown utilities {', '.join(bad) or value}",
                    k,
                    ("、".join(UTILITIES), ", ".join(UTILITIES)),
                )
            else:
                state["standard_needs"] = frozenset(items)
        else:
            _apply_preconditions(state, value, err)


def _apply_preconditions(state: dict[str, Any], value: Any, err: Any) -> None:
    pre: dict[str, dict[str, Any]] = state["preconditions"]
    if not isinstance(value, Mapping):
        err(
            "bad_value",
            "preconditions 应为以条件代码为键的键值对",
            "preconditions must be a mapping keyed by precondition key",
            "preconditions",
        )
        return
    allowed = (*_PRECONDITION_FIELDS, "enabled")
    for raw_key, fields in value.items():
        key = str(raw_key)
        where = f"preconditions.{key}"
        if not _KEY_RE.match(key):
            err(
                "bad_key",
                f"条件代码 “{key}” 无效",
                f"invalid precondition key '{key}'",
                where,
                ("小写字母、数字和下划线，例如 power", "lower-case letters, digits, _; e.g. power"),
            )
            continue
        if fields is None:
            fields = {}
        if not isinstance(fields, Mapping):
            err(
                "bad_value",
                f"条件 {key} 的内容应为键值对",
                f"precondition {key} must be a mapping of fields",
                where,
            )
            continue
        current = dict(pre.get(key, {}))
        ok = True
        for raw_field, v in fields.items():
            f = str(raw_field)
            col = f"{where}.{f}"
            if f not in allowed:
                err(
                    "unknown_key",
                    f"条件 {key} 有未知字段 “{f}”",
                    f"precondition {key} has an unknown field '{f}'",
                    col,
                    ("、".join(allowed), ", ".join(allowed)),
                )
                ok = False
            elif f == "enabled":
                if not isinstance(v, bool):
                    err("bad_value", "enabled 应为 true/false", "enabled must be true/false", col)
                    ok = False
                else:
                    current["enabled"] = v
            else:
                text = str(v).strip() if not isinstance(v, Mapping | list | bool) else ""
                if not text:
                    err("bad_value", f"{f} 应为非空文本", f"{f} must be non-empty text", col)
                    ok = False
                elif f == "column" and text not in READY_COLUMNS:
                    err(
                        "bad_value",
                        f"“{text}” 不是地块图层的就绪日期列",
                        f"'{text}' is not a readiness column of the parcels layer",
                        col,
                        ("、".join(READY_COLUMNS), ", ".join(READY_COLUMNS)),
                    )
                    ok = False
                elif f == "applies_to" and not _valid_applies_to(text):
                    hint = "all 或 need:<配套>，配套为 " + "、".join(UTILITIES)
                    err(
                        "bad_value",
                        f"适用范围 “{text}” 无效",
                        f"invalid applies_to '{text}'",
                        col,
                        (hint, "all or need:<utility>, utility one of " + ", ".join(UTILITIES)),
                    )
                    ok = False
                else:
                    current[f] = text
        if ok:
            pre[key] = current


def _valid_applies_to(text: str) -> bool:
    return text == "all" or (text.startswith("need:") and text[5:] in UTILITIES)


def _build(state: dict[str, Any], report: Report, source: str) -> RuleSet:
    items: list[Precondition] = []
    for key, fields in state["preconditions"].items():
        if not fields.get("enabled", True):
            continue
        absent = [f for f in _PRECONDITION_FIELDS if f not in fields]
        if absent:
            report.error(
                "incomplete_precondition",
                f"新条件 {key} 缺少字段 {', '.join(absent)}",
                f"new precondition {key} lacks field(s) {', '.join(absent)}",
                file=source,
                column=f"preconditions.{key}",
                hint_zh="新增条件须写全 " + "、".join(_PRECONDITION_FIELDS),
                hint_en="a new precondition needs all of " + ", ".join(_PRECONDITION_FIELDS),
            )
            continue
        items.append(Precondition(key=key, **{f: fields[f] for f in _PRECONDITION_FIELDS}))
    for k in ("version", "transfer_days"):
        if k not in state:
            report.error(
                "missing_key",
                f"规则集缺少 {k}",
                f"the rule set lacks {k}",
                file=source,
                column=k,
            )
    report.raise_if_errors()
    return RuleSet(
        version=str(state["version"]),
        transfer_days=int(state["transfer_days"]),
        preconditions=tuple(items),
        standard_needs=frozenset(state.get("standard_needs", DEFAULT_NEEDS)),
    )


def load_rules(
    override: Mapping[str, Any] | None = None,
    path: Path | None = None,
    *,
    source: str | None = None,
) -> RuleSet:
    """Load the readiness rule set: package YAML, then a YAML file, then a mapping.

    Parameters
    ----------
    override
        A mapping with the override schema of the module docstring (e.g. the ``readiness``
        section of a scenario file), applied last.
    path
        A YAML file with the same schema, applied after the package rules.
    source
        How to name ``override`` in messages (e.g. the scenario file); default "readiness
        override".

    Returns
    -------
    RuleSet

    Raises
    ------
    geodata.report.DataError
        When a layer cannot be read or holds unknown keys or bad values (all problems listed).
    """
    report = Report()
    state: dict[str, Any] = {"preconditions": {}}
    package = yaml.safe_load(_package_rules_text())
    _apply_layer(state, package, report, _PACKAGE_SOURCE)
    last_source = _PACKAGE_SOURCE
    if path is not None:
        layer = _read_yaml(Path(path), report)
        if layer is not None:
            _apply_layer(state, layer, report, str(path))
        last_source = str(path)
    if override is not None:
        name = source or "readiness override"
        if not isinstance(override, Mapping):
            report.error(
                "bad_rules",
                "就绪规则覆盖应为键值对（mapping）",
                "a readiness rules override must be a mapping",
                file=name,
            )
        else:
            _apply_layer(state, override, report, name)
        last_source = name
    return _build(state, report, last_source)


# --------------------------------------------------------------------------- assessment


def _date_of(parcel: Parcel, pre: Precondition) -> dt.date | None:
    value = parcel.ready.get(pre.item)
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _missing(pre: Precondition, date: dt.date | None) -> Missing:
    return Missing(pre.key, pre.name_zh, pre.name_en, pre.owner_zh, pre.owner_en, date)


def acquisition_date(year: int, rules: RuleSet) -> dt.date:
    """The day the land transfer completes for a supply decided on 1 January of ``year``."""
    return dt.date(year, 1, 1) + dt.timedelta(days=rules.transfer_days)


def assess(project: Project, parcel: Parcel, year: int, rules: RuleSet) -> Assessment:
    """Readiness of ``project`` on ``parcel`` with land supplied in ``year``.

    Parameters
    ----------
    project, parcel
        From the :class:`~geodata.instance.Instance`.
    year
        The supply year (decision on 1 January of that year).
    rules
        From :func:`load_rules`.

    Returns
    -------
    Assessment
        See the module docstring for the exact semantics.
    """
    acquisition = acquisition_date(year, rules)
    desired = dt.date(project.start_year, 1, 1)
    base = max(acquisition, desired)
    dates = [(pre, _date_of(parcel, pre)) for pre in rules.applicable(project.needs)]
    missing = tuple(_missing(p, d) for p, d in dates if d is None or d > base)
    if any(d is None for _, d in dates):
        return Assessment("blocked", acquisition, desired, None, None, missing)
    known = [d for _, d in dates if d is not None]
    ready_date = max(known) if known else None
    if ready_date is None or ready_date <= base:
        return Assessment("ready", acquisition, desired, base, ready_date, missing)
    return Assessment("ready_by", acquisition, desired, ready_date, ready_date, missing)


def parcel_status(
    parcel: Parcel,
    today: dt.date,
    rules: RuleSet,
    needs: Iterable[str] | None = None,
) -> ParcelStatus:
    """Readiness of a parcel on ``today`` for the given utility ``needs``.

    Parameters
    ----------
    parcel
        The parcel.
    today
        The reference day: items dated on or before it are met.
    rules
        The rule set.
    needs
        Utilities to check; default ``rules.standard_needs`` (标准地-ready).

    Returns
    -------
    ParcelStatus
        ``dates`` holds the date of every precondition of the rule set (applicable or not).
    """
    use = rules.standard_needs if needs is None else frozenset(needs)
    all_dates = {pre.key: _date_of(parcel, pre) for pre in rules.preconditions}
    applicable = rules.applicable(use)
    missing = tuple(
        _missing(p, all_dates[p.key])
        for p in applicable
        if all_dates[p.key] is None or all_dates[p.key] > today  # type: ignore[operator]
    )
    if any(m.date is None for m in missing):
        return ParcelStatus(parcel.parcel_id, "blocked", None, missing, all_dates)
    known = [d for p in applicable if (d := all_dates[p.key]) is not None]
    ready_date = max(known) if known else None
    status: Status = "ready_by" if missing else "ready"
    return ParcelStatus(parcel.parcel_id, status, ready_date, missing, all_dates)


def missing_text(missing: Sequence[Missing], lang: str = "zh") -> str:
    """All missing items as one line (``；``-joined in Chinese, ``; `` in English)."""
    return ("；" if lang == "zh" else "; ").join(m.text(lang) for m in missing)


def quarter_of(day: dt.date) -> str:
    """The calendar quarter of a day, e.g. ``2026Q1``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the quarter containing ``day``."""
    q = (day.month - 1) // 3 + 1
    if q == 4:
        return dt.date(day.year, 12, 31)
    return dt.date(day.year, 3 * q + 1, 1) - dt.timedelta(days=1)


# --------------------------------------------------------------------------- inventory views


def parcel_statuses(instance: Instance, today: dt.date, rules: RuleSet) -> list[ParcelStatus]:
    """:func:`parcel_status` of every parcel of the instance, in parcel-id order."""
    return [parcel_status(p, today, rules) for p in instance.parcels]


def parcel_inventory(
    instance: Instance, today: dt.date, rules: RuleSet, lang: str = "zh"
) -> pd.DataFrame:
    """The district's 标准地 inventory: one row per parcel.

    Parameters
    ----------
    instance
        The data.
    today
        The reference day.
    rules
        The rule set (``rules.standard_needs`` defines the utilities checked).
    lang
        Language of the ``missing`` text.

    Returns
    -------
    pandas.DataFrame
        Columns ``parcel_id, zone, area_mu, available_year, status, ready_date, quarter,
        missing, missing_keys, n_missing, standard_ready`` and one date column per precondition
        column of the rule set (``ready_levelled``, …). ``status`` is ``ready`` / ``ready_by`` /
        ``blocked``; ``quarter`` is the quarter a ``ready_by`` parcel becomes ready;
        ``standard_ready`` is true for parcels ready today. Dates are :class:`datetime.date`
        (``None`` when unknown).
    """
    columns = list(dict.fromkeys(pre.column for pre in rules.preconditions))
    rows: list[dict[str, Any]] = []
    for parcel in instance.parcels:
        st = parcel_status(parcel, today, rules)
        row: dict[str, Any] = {
            "parcel_id": parcel.parcel_id,
            "zone": parcel.zone,
            "area_mu": cmu_to_mu(parcel.area_cmu),
            "available_year": parcel.available_year,
            "status": st.status,
            "ready_date": st.ready_date,
            "quarter": quarter_of(st.ready_date)
            if st.status == "ready_by" and st.ready_date
            else "",
            "missing": missing_text(st.missing, lang),
            "missing_keys": ";".join(m.key for m in st.missing),
            "n_missing": len(st.missing),
            "standard_ready": st.status == "ready",
        }
        for col in columns:
            value = parcel.ready.get(col.removeprefix("ready_"))
            row[col] = value if isinstance(value, dt.date) else None
        rows.append(row)
    base = [
        "parcel_id",
        "zone",
        "area_mu",
        "available_year",
        "status",
        "ready_date",
        "quarter",
        "missing",
        "missing_keys",
        "n_missing",
        "standard_ready",
    ]
    frame = pd.DataFrame(rows, columns=[*base, *columns])
    for col in ("ready_date", *columns):
        frame[col] = frame[col].astype(object)
    return frame


def department_view(instance: Instance, today: dt.date, rules: RuleSet) -> pd.DataFrame:
    """Parcels waiting on each owning department (标准地 check, as of ``today``).

    Returns
    -------
    pandas.DataFrame
        One row per department with at least one gap: ``owner_zh, owner_en, parcels_total,
        parcels_scheduled`` (every gap of this owner has a date after ``today``),
        ``parcels_unscheduled`` (at least one gap of this owner has no date), ``area_mu``,
        ``items_zh, items_en`` (per item counts, e.g. ``通电 14``), ``next_date`` and
        ``last_date`` (of the scheduled gaps), ``parcel_ids`` (``;``-joined). Sorted by
        ``parcels_total`` descending, then by name.
    """
    area = {p.parcel_id: cmu_to_mu(p.area_cmu) for p in instance.parcels}
    owners: dict[tuple[str, str], dict[str, Any]] = {}
    for st in parcel_statuses(instance, today, rules):
        by_owner: dict[tuple[str, str], list[Missing]] = {}
        for m in st.missing:
            by_owner.setdefault((m.owner_zh, m.owner_en), []).append(m)
        for owner, items in by_owner.items():
            acc = owners.setdefault(
                owner,
                {"parcels": [], "unscheduled": set(), "items": {}, "dates": []},
            )
            acc["parcels"].append(st.parcel_id)
            if any(m.date is None for m in items):
                acc["unscheduled"].add(st.parcel_id)
            for m in items:
                acc["items"][(m.name_zh, m.name_en)] = (
                    acc["items"].get((m.name_zh, m.name_en), 0) + 1
                )
                if m.date is not None:
                    acc["dates"].append(m.date)
    rows: list[dict[str, Any]] = []
    for (zh, en), acc in owners.items():
        total = len(acc["parcels"])
        unscheduled = len(acc["unscheduled"])
        items = acc["items"]
        rows.append(
            {
                "owner_zh": zh,
                "owner_en": en,
                "parcels_total": total,
                "parcels_scheduled": total - unscheduled,
                "parcels_unscheduled": unscheduled,
                "area_mu": round(sum(area[p] for p in acc["parcels"]), 2),
                "items_zh": "、".join(f"{n[0]} {c}" for n, c in items.items()),
                "items_en": ", ".join(f"{n[1]} {c}" for n, c in items.items()),
                "next_date": min(acc["dates"]) if acc["dates"] else None,
                "last_date": max(acc["dates"]) if acc["dates"] else None,
                "parcel_ids": ";".join(acc["parcels"]),
            }
        )
    rows.sort(key=lambda r: (-r["parcels_total"], r["owner_zh"]))
    cols = [
        "owner_zh",
        "owner_en",
        "parcels_total",
        "parcels_scheduled",
        "parcels_unscheduled",
        "area_mu",
        "items_zh",
        "items_en",
        "next_date",
        "last_date",
        "parcel_ids",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("next_date", "last_date"):
        frame[col] = frame[col].astype(object)
    return frame


def quarter_view(
    instance: Instance, today: dt.date, rules: RuleSet, max_quarters: int = 40
) -> pd.DataFrame:
    """How many parcels are 标准地-ready now and by the end of each coming quarter.

    Parameters
    ----------
    instance, today, rules
        As for :func:`parcel_inventory`.
    max_quarters
        Quarters listed at most after ``today``; later ready dates are lumped into a ``later``
        row.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (``now``, then ``2025Q3``, …, possibly ``later``), ``period_end``
        (the date counted up to; ``None`` for ``later``), ``newly_ready``,
        ``newly_ready_area_mu``, ``cumulative_ready``, ``cumulative_area_mu``, ``share_ready``
        (of all parcels, 0–1) and ``parcel_ids`` (newly ready, ``;``-joined). Blocked parcels are
        never counted; quarters run up to the last scheduled ready date.
    """
    area = {p.parcel_id: cmu_to_mu(p.area_cmu) for p in instance.parcels}
    total = len(instance.parcels)
    statuses = parcel_statuses(instance, today, rules)
    now = [s.parcel_id for s in statuses if s.status == "ready"]
    pending = sorted(
        (s.ready_date, s.parcel_id)
        for s in statuses
        if s.status == "ready_by" and s.ready_date is not None
    )
    rows: list[dict[str, Any]] = []
    cum_n, cum_area = 0, 0.0

    def add(period: str, end: dt.date | None, ids: list[str]) -> None:
        nonlocal cum_n, cum_area
        new_area = sum(area[i] for i in ids)
        cum_n += len(ids)
        cum_area += new_area
        rows.append(
            {
                "period": period,
                "period_end": end,
                "newly_ready": len(ids),
                "newly_ready_area_mu": round(new_area, 2),
                "cumulative_ready": cum_n,
                "cumulative_area_mu": round(cum_area, 2),
                "share_ready": cum_n / total if total else 0.0,
                "parcel_ids": ";".join(ids),
            }
        )

    add("now", today, now)
    end = quarter_end(today)
    i = 0
    for _ in range(max_quarters):
        if i >= len(pending):
            break
        ids = []
        while i < len(pending) and pending[i][0] <= end:
            ids.append(pending[i][1])
            i += 1
        add(quarter_of(end), end, ids)
        end = quarter_end(end + dt.timedelta(days=1))
    if i < len(pending):
        add("later", None, [pid for _, pid in pending[i:]])
    frame = pd.DataFrame(rows)
    frame["period_end"] = frame["period_end"].astype(object)
    return frame


# --------------------------------------------------------------------------- one project


def static_misfit(
    project: Project, parcel: Parcel, policy: Policy | None = None
) -> list[tuple[str, str]]:
    """The static rules the project breaks on the parcel, as (zh, en) texts; empty when it fits.

    The candidate builder's rules (:func:`optimizer.constraints.fit.static_masks` under
    ``policy``, default :class:`~optimizer.settings.Policy`): cluster admission, land-use rank,
    pollution, area (enough land, waste within the tolerance unless divisible), the 标准地
    indicators, withheld carriers and excluded negotiating projects; a project that takes no land
    fits no parcel. Each text names the rule and gives the numbers, e.g.
    ``面积不符（不足或浪费超限）：地块 60 亩 < 需求 80 亩``.
    """
    alone = Instance(parcels=(parcel,), factories=(), projects=(), quotas=(), clusters=())
    return fit.misfits(project, parcel_arrays(alone), policy or Policy())[0]


_STATUS_RANK = {"ready": 0, "ready_by": 1, "blocked": 2}


def rank_parcels(
    instance: Instance,
    project: Project,
    rules: RuleSet,
    *,
    today: dt.date | None = None,
    year: int | None = None,
    only_fitting: bool = True,
    lang: str = "zh",
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Parcels for one project, ranked by readiness: ready first, then by earliest start.

    Parameters
    ----------
    instance, project, rules
        The data, the project and the rule set.
    today
        Supply is not decided before the year of ``today`` (default: no such bound).
    year
        The supply year to assess; default per parcel ``max(project.start_year,
        parcel.available_year, today.year)``.
    only_fitting
        Keep only parcels that pass :func:`static_misfit`: exactly the parcels on which the
        candidate builder places the project alone (before the year rules, the quotas and any
        candidate cap). 合并供地 groups are not ranked: a parcel too small alone is listed as
        not fitting even when the solver may offer it in a group.
    lang
        Language of the ``missing`` and ``misfit`` texts.
    policy
        The policy knobs the static rules depend on (waste tolerance, 标准地 indicators, withheld
        carriers, negotiating projects); default :class:`~optimizer.settings.Policy`.

    Returns
    -------
    pandas.DataFrame
        Columns ``rank, parcel_id, zone, area_mu, year, status, acquisition, earliest_start,
        ready_date, missing, misfit``; ties broken by parcel id.
    """
    rows: list[dict[str, Any]] = []
    misfits = fit.misfits(project, parcel_arrays(instance), policy or Policy())
    for parcel, misfit in zip(instance.parcels, misfits, strict=True):
        if only_fitting and misfit:
            continue
        y = year
        if y is None:
            y = max(project.start_year, parcel.available_year, today.year if today else 0)
        a = assess(project, parcel, y, rules)
        rows.append(
            {
                "parcel_id": parcel.parcel_id,
                "zone": parcel.zone,
                "area_mu": cmu_to_mu(parcel.area_cmu),
                "year": y,
                "status": a.status,
                "acquisition": a.acquisition,
                "earliest_start": a.earliest_start,
                "ready_date": a.ready_date,
                "missing": missing_text(a.missing, lang),
                "misfit": ("；" if lang == "zh" else "; ").join(
                    zh if lang == "zh" else en for zh, en in misfit
                ),
            }
        )
    rows.sort(
        key=lambda r: (
            _STATUS_RANK[r["status"]],
            r["earliest_start"] or dt.date.max,
            r["parcel_id"],
        )
    )
    cols = [
        "rank",
        "parcel_id",
        "zone",
        "area_mu",
        "year",
        "status",
        "acquisition",
        "earliest_start",
        "ready_date",
        "missing",
        "misfit",
    ]
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("acquisition", "earliest_start", "ready_date"):
        frame[col] = frame[col].astype(object)
    return frame


__all__ = [
    "READY_COLUMNS",
    "STATUS_LABELS",
    "Assessment",
    "DataError",
    "Missing",
    "ParcelStatus",
    "Precondition",
    "RuleSet",
    "acquisition_date",
    "assess",
    "department_view",
    "load_rules",
    "missing_text",
    "parcel_inventory",
    "parcel_status",
    "parcel_statuses",
    "quarter_end",
    "quarter_of",
    "quarter_view",
    "rank_parcels",
    "static_misfit",
]
