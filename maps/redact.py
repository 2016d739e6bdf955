"""The redacted export: what may leave the building (issue 18).

Projects still in negotiation (stage ``negotiating``, 在谈) are confidential: in a redacted map
or report each appears only as its cluster and a size band of its investment ("某新能源项目，
10–50 亿"), companies are hidden, and the page or workbook carries the 内部资料 mark. The names
and companies are replaced in every text cell (a reason may name the project that took a
parcel), so nothing of them is left anywhere in the file, embedded data included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from geodata.schema import normalise_id, normalise_text, parse_number
from maps.i18n import tr

#: The stage code of projects in negotiation.
NEGOTIATING = "negotiating"
#: Investment bands (亿元): lower bound, upper bound (``None``: open), as written in each language.
BANDS: tuple[tuple[float, float | None, str, str], ...] = (
    (0.0, 1.0, "1 亿以下", "under CNY 0.1 bn"),
    (1.0, 10.0, "1–10 亿", "CNY 0.1–1 bn"),
    (10.0, 50.0, "10–50 亿", "CNY 1–5 bn"),
    (50.0, 100.0, "50–100 亿", "CNY 5–10 bn"),
    (100.0, None, "100 亿以上", "CNY 10 bn and more"),
)
#: The columns of the result tables a redaction blanks for every project (companies).
COMPANY_COLUMNS = ("company",)
#: The amounts of a negotiating project that a redacted map does not show exactly.
AMOUNT_COLUMNS = ("investment_yi", "output_yi", "tax_wan", "jobs")


def size_band(investment_yi: object, lang: str) -> str:
    """The band of an investment in 亿元 ("10–50 亿"); blank when it is not a number."""
    v = parse_number(investment_yi)
    if v is None:
        return ""
    for lo, hi, zh, en in BANDS:
        if v >= lo and (hi is None or v < hi):
            return tr(lang, zh, en)
    return ""


def masked_name(cluster_name: str, investment_yi: object, lang: str) -> str:
    """The shown name of a negotiating project: its cluster and size band."""
    band = size_band(investment_yi, lang)
    if lang == "en":
        head = f"a {cluster_name} project" if cluster_name else "a project"
        return f"{head}, {band}" if band else head
    head = f"某{cluster_name}项目" if cluster_name else "某项目"
    return f"{head}，{band}" if band else head


@dataclass(frozen=True)
class Redaction:
    """What to hide: the negotiating projects' shown names and every company.

    Attributes
    ----------
    masked
        Project id → the shown name of each negotiating project.
    words
        Text to replace wherever it occurs (longest first): a negotiating project's name by its
        shown name, any company by the blank marker.
    """

    masked: Mapping[str, str] = field(default_factory=dict)
    words: tuple[tuple[str, str], ...] = ()

    def scrub(self, text: str) -> str:
        """``text`` with every hidden name and company replaced, in the text as written and,
        if a hidden word still shows there, in its NFKC form (the maps show text in that form,
        so a full-width variant of a name is found too)."""
        text = self._replace(text)
        folded = unicodedata.normalize("NFKC", text)
        if any(unicodedata.normalize("NFKC", w) in folded for w, _ in self.words):
            text = self._replace(folded)
        return text

    def _replace(self, text: str) -> str:
        for word, by in self.words:
            if word in text:
                text = text.replace(word, by)
            folded = unicodedata.normalize("NFKC", word)
            if folded != word and folded in text:
                text = text.replace(folded, by)
        return text

    def frame(self, df: pd.DataFrame, *, amounts: bool = False) -> pd.DataFrame:
        """A copy of a result table with names masked, companies blanked and text scrubbed.

        ``amounts``: also blank the investment, output, tax and jobs of negotiating rows (the
        map shows their band instead).
        """
        out = df.copy()
        ids = [normalise_id(v) for v in out["project_id"]] if "project_id" in out else []
        neg = pd.Series([i in self.masked for i in ids], index=out.index, dtype=bool)
        if "name" in out.columns and len(ids):
            out["name"] = [self.masked.get(i, v) for i, v in zip(ids, out["name"], strict=True)]
        for col in COMPANY_COLUMNS:
            if col in out.columns:
                out[col] = ""
        if amounts:
            for col in AMOUNT_COLUMNS:
                if col in out.columns:
                    out[col] = out[col].astype(object).where(~neg, None)
        for col in out.columns:
            values = list(out[col])
            if any(isinstance(v, str) for v in values):
                out[col] = pd.Series(
                    [self.scrub(v) if isinstance(v, str) else v for v in values],
                    index=out.index,
                    dtype=object,
                )
        return out


def redaction(
    frames: Iterable[pd.DataFrame | None],
    cluster_names: Mapping[str, str],
    lang: str,
    *,
    projects: pd.DataFrame | None = None,
) -> Redaction:
    """The redaction of a set of result tables (and the data's project layer, when given).

    A project is negotiating when any table (or ``projects``) gives it the stage
    ``negotiating``. Its band is that of its investment: from ``projects`` when given, else the
    sum of its rows in the first table naming it (a 合并供地 group's rows hold its shares).
    """
    tables = [f for f in frames if f is not None and len(f) and "project_id" in f.columns]
    if projects is not None and len(projects) and "project_id" in projects.columns:
        tables.insert(0, projects)
    negotiating: set[str] = set()
    cluster: dict[str, str] = {}
    investment: dict[str, float] = {}
    names: dict[str, set[str]] = {}
    companies: set[str] = set()
    for df in tables:
        cols = set(df.columns)
        sums: dict[str, float] = {}
        for r in df.to_dict("records"):
            pid = normalise_id(r.get("project_id"))
            if not pid:
                continue
            if normalise_text(r.get("stage")) == NEGOTIATING:
                negotiating.add(pid)
            if not cluster.get(pid):
                cluster[pid] = normalise_id(r.get("cluster"))
            names.setdefault(pid, set()).add(normalise_text(r.get("name")))
            if "company" in cols:
                companies.add(normalise_text(r.get("company")))
            inv = parse_number(r.get("investment_yi"))
            if inv is not None and pid not in investment:
                sums[pid] = sums.get(pid, 0.0) + inv
        for pid, total in sums.items():
            investment[pid] = round(total, 6)
    masked = {
        pid: masked_name(cluster_names.get(cluster.get(pid, ""), ""), investment.get(pid), lang)
        for pid in sorted(negotiating)
    }
    blank = tr(lang, "（企业已隐去）", "(company withheld)")
    words = [(n, masked[pid]) for pid in masked for n in names.get(pid, set()) if n]
    words += [(c, blank) for c in companies if c]
    words.sort(key=lambda w: -len(w[0]))
    return Redaction(masked, tuple(words))
