"""Reading one cell as people write it: text, ids, numbers, yes/no, dates and lists.

The parsers every importer and the schema tier (:func:`geodata.schema.coerce_table`) share:
full-width digits and blanks are normalised (NFKC), ids are kept exactly as written
(:func:`normalise_id`) and compared only by :func:`id_key`, numbers accept thousands separators
but no approximations (``约50``), yes/no accept 是/否 and friends. Nothing here knows the layers of
the contract.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

_TRUE = {"1", "true", "t", "yes", "y", "是", "可", "可以", "√", "✓", "x"}
_FALSE = {"0", "false", "f", "no", "n", "否", "不可", "不", "", "×", "-"}
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def normalise_text(value: Any) -> str:
    """NFKC-normalise (full-width → half-width), strip and collapse inner whitespace."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    s = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", s).strip()


def normalise_id(value: Any) -> str:
    """An id as text, exactly as written: only surrounding whitespace is trimmed.

    Width (``①``, full-width ``－``), inner spaces and combining accents are kept, so ids come
    out in every output as they came in. A number cell with an integer value gives its integer
    text (``19.0`` → ``"19"``); blanks give ``""``. Compare ids with :func:`id_key` only to find
    duplicates.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    return str(value).strip()


def id_key(value: Any) -> str:
    """The form in which two ids count as the same: NFKC, no whitespace, case-folded.

    Used only to detect duplicate ids (``XM-1`` and ``XM－1``) and references spelled
    differently from the id they mean; ids themselves stay as written (:func:`normalise_id`).
    """
    s = unicodedata.normalize("NFKC", normalise_id(value))
    return re.sub(r"\s+", "", s).casefold()


def is_blank(value: Any) -> bool:
    """True for None/NaN/empty strings."""
    return normalise_text(value) == ""


def parse_number(value: Any) -> float | None:
    """Parse a number written the way people write them; ``None`` when it is not one.

    Accepts full-width digits, thousands separators (``1,234``/``1，234``) and surrounding blanks.
    Rejects approximate or placeholder values (``约50``, ``待定``, ``—``).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        f = float(value)
        return f if math.isfinite(f) else None
    s = normalise_text(value).replace(",", "").replace(" ", "")
    if not _NUMBER_RE.match(s):
        return None
    f = float(s)
    return f if math.isfinite(f) else None


def parse_bool(value: Any) -> bool | None:
    """Parse yes/no: booleans, 1/0 and the words of ``_TRUE``/``_FALSE``; ``None`` otherwise.

    Accepts real booleans (also numpy's, as GeoPackage boolean fields read), the integers 1 and
    0 and the texts true/false, yes/no, 是/否, 1/0 in any case and width (older files stored
    booleans as the text ``True``/``False``).
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    s = normalise_text(value).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def parse_date(value: Any) -> dt.date | str | None:
    """Parse an ISO-like date; returns ``None`` for blank and the string ``"bad"`` when invalid."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    s = normalise_text(value)
    if not s:
        return None
    s = re.sub(r"[年月/.]", "-", s).rstrip("日").strip("-")
    try:
        return dt.date.fromisoformat("-".join(part.zfill(2) for part in s.split("-")))
    except ValueError:
        return "bad"


def parse_list(value: Any) -> list[str]:
    """Split ``a;b`` (also ``；``, ``,``, ``、``) into stripped, non-empty items."""
    s = normalise_text(value)
    return [p.strip() for p in re.split(r"[;,、|]", s) if p.strip()]


def parse_number_or_inf(raw: Any) -> float | None:
    """A cell as a number, ``±inf`` included (for the range check); ``None`` when not a number."""
    if isinstance(raw, bool | np.bool_):
        return None
    if isinstance(raw, int | np.integer):
        try:
            return float(raw)
        except OverflowError:
            return math.copysign(math.inf, int(raw))
    if isinstance(raw, float | np.floating):
        f = float(raw)
        return None if math.isnan(f) else f
    s = normalise_text(raw).replace(",", "").replace(" ", "")
    return float(s) if _NUMBER_RE.match(s) else None


def as_written(raw: Any) -> str:
    """A number cell as the user wrote it (text as written; numbers without a trailing ``.0``)."""
    if isinstance(raw, str):
        return normalise_text(raw)
    if isinstance(raw, int | np.integer) and not isinstance(raw, bool):
        return str(raw) if abs(int(raw)) < 10**15 else f"{float(raw):.6g}"
    if isinstance(raw, float | np.floating):
        f = float(raw)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    return normalise_text(raw)
