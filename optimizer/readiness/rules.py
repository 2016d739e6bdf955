"""The "拿地即开工" readiness rule set: the shipped YAML and its overrides.

The rule set is data (``optimizer/readiness_rules.yaml``, overridable per scenario or with a rules
file), read by :func:`load_rules` into a :class:`RuleSet` of :class:`Precondition` items. What a
rule set means for a (project, parcel, year) is :mod:`optimizer.readiness.assessment`.

Override schema (``load_rules``)
--------------------------------
Layers are applied in order: the package YAML, then an optional YAML file, then a mapping (e.g.
the ``readiness`` section of a scenario file). Each layer may hold::

    version: "2025.1-sip"              # text
    transfer_days: 60                  # integer days, 0..3650
    transfer_owner_zh: 自然资源规划分局   # who runs the land transfer (the schedule)
    transfer_owner_en: Natural Resources and Planning Branch
    standard_land_needs: [water, power, road, drainage, telecom]
    preconditions:
      gas: {owner_zh: 港华燃气, owner_en: Towngas}     # change some fields of an existing item
      heat: {enabled: false}                          # drop an item
      fire: {name_zh: ..., name_en: ..., column: ready_road, applies_to: all,
             owner_zh: ..., owner_en: ...}            # a new item needs every field
      planning: {due: transfer, lead_days: 0}         # optional: when the item is due

``due`` (``start``, the default, or ``transfer``) and ``lead_days`` (default 0) say by when a
precondition must be in place in the schedule worked back from a start date
(:mod:`optimizer.views.schedule`): ``lead_days`` days before the start, and before the land
transfer begins (``transfer_days`` more) when ``due`` is ``transfer``. They do not change
whether a placement is ready (:mod:`optimizer.readiness.assessment`).

Unknown keys, wrong types, unknown columns or utilities raise
:class:`~geodata.report.DataError` listing every problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from geodata.inputs import MAX_YAML_BYTES, check_input_file, load_yaml
from geodata.instance import DEFAULT_NEEDS, READINESS_ITEMS, UTILITIES
from geodata.report import Report
from geodata.schema import normalise_text, parse_list, parse_number

#: Parcel columns a precondition may read.
READY_COLUMNS: tuple[str, ...] = tuple(f"ready_{k}" for k in READINESS_ITEMS)

_PRECONDITION_FIELDS = ("name_zh", "name_en", "column", "applies_to", "owner_zh", "owner_en")
#: Optional fields of a precondition (the schedule's lead time, :mod:`optimizer.views.schedule`).
_OPTIONAL_FIELDS = ("due", "lead_days")
#: When a precondition is due: by the construction start, or before the land transfer begins.
DUE_VALUES = ("start", "transfer")
_TOP_KEYS = (
    "version",
    "transfer_days",
    "transfer_owner_zh",
    "transfer_owner_en",
    "standard_land_needs",
    "preconditions",
)
#: The default owner of the land transfer itself (出让公告 to signed contract).
_TRANSFER_OWNER = ("自然资源规划分局", "Natural Resources and Planning Branch")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: The shipped rule set, a data file of the ``optimizer`` package (package-data ``*.yaml``).
_PACKAGE_SOURCE = "readiness_rules.yaml"

#: Reports one problem of a layer: ``err(code, zh, en, column, hint=(zh, en) | None)``.
_Err = Callable[..., None]


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
    due: str = "start"
    lead_days: int = 0

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

    def lead(self, transfer_days: int) -> int:
        """Days before the construction start by which the item must be in place.

        ``lead_days``, plus ``transfer_days`` when the item is due before the land transfer
        begins (``due: transfer``, e.g. planning conditions, which the 出让公告 must carry).
        """
        return self.lead_days + (transfer_days if self.due == "transfer" else 0)

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
    transfer_owner_zh, transfer_owner_en
        The department that runs the land transfer (the schedule's 土地出让 item).
    """

    version: str
    transfer_days: int
    preconditions: tuple[Precondition, ...]
    standard_needs: frozenset[str] = DEFAULT_NEEDS
    transfer_owner_zh: str = _TRANSFER_OWNER[0]
    transfer_owner_en: str = _TRANSFER_OWNER[1]

    def transfer_owner(self, lang: str = "zh") -> str:
        """The department that runs the land transfer, in one language."""
        return self.transfer_owner_zh if lang == "zh" else self.transfer_owner_en

    def owners(self) -> list[tuple[str, str]]:
        """Every department named by the rule set, (zh, en), in rule order, once each."""
        found = [(p.owner_zh, p.owner_en) for p in self.preconditions]
        found.append((self.transfer_owner_zh, self.transfer_owner_en))
        return list(dict.fromkeys(found))

    def applicable(self, needs: Iterable[str]) -> tuple[Precondition, ...]:
        """The preconditions that apply to a project with these ``needs``."""
        needs = frozenset(needs)
        return tuple(p for p in self.preconditions if p.applies(needs))


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
        elif k in ("transfer_owner_zh", "transfer_owner_en"):
            text = normalise_text(value)
            if not text or isinstance(value, Mapping | list):
                err("bad_value", f"{k} 应为非空文本", f"{k} must be non-empty text", k)
            else:
                state[k] = text
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


def _apply_preconditions(state: dict[str, Any], value: Any, err: _Err) -> None:
    pre: dict[str, dict[str, Any]] = state["preconditions"]
    if not isinstance(value, Mapping):
        err(
            "bad_value",
            "preconditions 应为以条件代码为键的键值对",
            "preconditions must be a mapping keyed by precondition key",
            "preconditions",
        )
        return
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
        if _apply_fields(current, fields, key, err):
            pre[key] = current


def _apply_fields(current: dict[str, Any], fields: Mapping[Any, Any], key: str, err: _Err) -> bool:
    """Merge the fields of precondition ``key`` into ``current``; False when one is bad."""
    allowed = (*_PRECONDITION_FIELDS, *_OPTIONAL_FIELDS, "enabled")
    ok = True
    for raw_field, v in fields.items():
        f = str(raw_field)
        col = f"preconditions.{key}.{f}"
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
        elif f == "lead_days":
            x = None if isinstance(v, bool) else parse_number(v)
            if x is None or not float(x).is_integer() or not 0 <= x <= 3650:
                err(
                    "bad_value",
                    f"lead_days 应为 0 到 3650 之间的整数天数（实际 “{v}”）",
                    f"lead_days must be a whole number of days in 0..3650 (got '{v}')",
                    col,
                )
                ok = False
            else:
                current["lead_days"] = int(x)
        elif f == "due":
            if v not in DUE_VALUES:
                err(
                    "bad_value",
                    f"due 应为 start（开工前）或 transfer（出让前）（实际 “{v}”）",
                    f"due must be start or transfer (got '{v}')",
                    col,
                )
                ok = False
            else:
                current["due"] = v
        else:
            text = _field_text(f, v, col, err)
            if text is None:
                ok = False
            else:
                current[f] = text
    return ok


def _field_text(f: str, v: Any, col: str, err: _Err) -> str | None:
    """The text of field ``f`` of a precondition, or None (reported) when it is not valid."""
    text = str(v).strip() if not isinstance(v, Mapping | list | bool) else ""
    if not text:
        err("bad_value", f"{f} 应为非空文本", f"{f} must be non-empty text", col)
        return None
    if f == "column" and text not in READY_COLUMNS:
        err(
            "bad_value",
            f"“{text}” 不是地块图层的就绪日期列",
            f"'{text}' is not a readiness column of the parcels layer",
            col,
            ("、".join(READY_COLUMNS), ", ".join(READY_COLUMNS)),
        )
        return None
    if f == "applies_to" and not _valid_applies_to(text):
        hint = "all 或 need:<配套>，配套为 " + "、".join(UTILITIES)
        err(
            "bad_value",
            f"适用范围 “{text}” 无效",
            f"invalid applies_to '{text}'",
            col,
            (hint, "all or need:<utility>, utility one of " + ", ".join(UTILITIES)),
        )
        return None
    return text


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
        items.append(
            Precondition(
                key=key,
                **{f: fields[f] for f in _PRECONDITION_FIELDS},
                **{f: fields[f] for f in _OPTIONAL_FIELDS if f in fields},
            )
        )
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
        transfer_owner_zh=str(state.get("transfer_owner_zh", _TRANSFER_OWNER[0])),
        transfer_owner_en=str(state.get("transfer_owner_en", _TRANSFER_OWNER[1])),
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


def read_rules_file(path: Path) -> Mapping[str, Any]:
    """The override mapping of a rules file (checked like :func:`load_rules` reads it).

    Raises
    ------
    geodata.report.DataError
        When the file cannot be read or is not a mapping.
    """
    report = Report()
    layer = _read_yaml(Path(path), report)
    report.raise_if_errors()
    return dict(layer or {})


__all__ = [
    "DUE_VALUES",
    "READY_COLUMNS",
    "Precondition",
    "RuleSet",
    "load_rules",
    "read_rules_file",
]
