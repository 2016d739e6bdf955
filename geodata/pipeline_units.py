"""Units of a 项目库: the units written in headers and cells, and their exact factors.

Areas are converted to 亩 and money to 亿元 with :class:`~fractions.Fraction` factors, so that
``3公顷`` or ``5000万元`` become contract values without rounding on the way. Used by the header
matcher (:mod:`geodata.pipeline_headers`) and the cell converters
(:mod:`geodata.pipeline_values`) of :func:`geodata.pipeline.read_pipeline`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from geodata.schema import normalise_text, parse_number
from geodata.units import MU_PER_HECTARE, WAN_PER_YI


@dataclass(frozen=True, slots=True)
class _Unit:
    """A unit written in a header or a cell: kind (area/money), display name, factor to base."""

    kind: str
    name: str
    factor: Fraction  # area: to 亩; money: to 亿元
    en: str = ""


_MU = _Unit("area", "亩", Fraction(1), "mu")
_HA = _Unit("area", "公顷", Fraction(MU_PER_HECTARE), "ha")
_M2 = _Unit("area", "平方米", Fraction(15, 10000), "m²")
_YI = _Unit("money", "亿元", Fraction(1), "亿元 (1e8 yuan)")
_WAN = _Unit("money", "万元", Fraction(1, WAN_PER_YI), "万元 (1e4 yuan)")
_YUAN = _Unit("money", "元", Fraction(1, WAN_PER_YI * WAN_PER_YI), "yuan")

# Unit spellings after NFKC + lower case (㎡ and m² both become "m2", ㏊ becomes "ha").
_UNIT_TOKENS: dict[str, _Unit] = {
    "亩": _MU,
    "mu": _MU,
    "公顷": _HA,
    "ha": _HA,
    "hm2": _HA,
    "平方米": _M2,
    "平米": _M2,
    "m2": _M2,
    "亿元": _YI,
    "亿": _YI,
    "yi": _YI,
    "万元": _WAN,
    "万": _WAN,
    "wan": _WAN,
    "元": _YUAN,
}
# Units stripped from the end of a header written without brackets (用地面积亩, 总投资万元).
_TRAILING_UNITS = ("平方米", "亿元", "万元", "公顷", "平米", "亩", "m2")

#: Quantity columns: unit kind and the contract unit.
_QUANTITY: dict[str, _Unit] = {
    "investment_yi": _YI,
    "output_yi": _YI,
    "tax_wan": _WAN,
    "land_mu": _MU,
    "floor_m2": _M2,
}

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_CELL_UNIT_RE = re.compile(
    rf"^({_NUM})({'|'.join(sorted(map(re.escape, _UNIT_TOKENS), key=len, reverse=True))})?$"
)


def _unit_of(text: str) -> _Unit | None:
    t = text.strip().removeprefix("单位:").removeprefix("单位").strip(":/ ")
    return _UNIT_TOKENS.get(t)


def _split_cell_unit(raw: Any) -> tuple[float, _Unit | None] | None:
    """``"3公顷"`` → ``(3.0, 公顷)``; a plain number → ``(x, None)``; ``None`` when unparsable."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        x = parse_number(raw)
        return None if x is None else (x, None)
    s = unicodedata.normalize("NFKC", normalise_text(raw)).lower()
    s = re.sub(r"[\s,]", "", s)
    m = _CELL_UNIT_RE.match(s)
    if m is None:
        return None
    x = parse_number(m.group(1))
    if x is None:
        return None
    return x, (_UNIT_TOKENS[m.group(2)] if m.group(2) else None)


def _fmt_number(x: float | Fraction) -> str:
    """A number for messages: integers without ``.0``, huge ones in ``e`` notation."""
    big = Fraction(x)
    if abs(big) >= 10**15:  # may not fit a float (1e308 公顷 in 亩)
        digits = str(int(abs(big)))
        sign = "-" if x < 0 else ""
        rest = digits[1:6].rstrip("0")
        return f"{sign}{digits[0]}{'.' + rest if rest else ''}e+{len(digits) - 1}"
    f = float(x)
    return str(int(f)) if f.is_integer() else f"{f:.6g}"
