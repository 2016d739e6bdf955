"""Validation messages collected into one report.

Every loader and check appends :class:`Problem` objects to a :class:`Report` instead of raising at
the first problem; callers raise :class:`DataError` once at the end when the report holds errors.
Messages carry both a Chinese and an English text; the CLI picks one (Chinese by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about the input.

    Parameters
    ----------
    severity
        ``error`` blocks the run, ``warning`` is reported (and blocks with ``strict``).
    code
        Stable machine-readable code, e.g. ``missing_column``.
    zh, en
        The message in Chinese and in English.
    file, layer, row, column
        Where the problem is. ``row`` is the 1-based data row (spreadsheet rows as the user sees
        them in Excel where known).
    hint_zh, hint_en
        What would be right.
    """

    severity: Severity
    code: str
    zh: str
    en: str
    file: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None
    hint_zh: str | None = None
    hint_en: str | None = None

    def location(self, lang: str = "zh") -> str:
        """Where the problem is, as ``file › layer › row N › column``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.layer:
            parts.append(f"图层 {self.layer}" if lang == "zh" else f"layer {self.layer}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行" if lang == "zh" else f"row {self.row}")
        if self.column:
            parts.append(f"列 {self.column}" if lang == "zh" else f"column {self.column}")
        return " › ".join(parts)

    def text(self, lang: str = "zh") -> str:
        """The full message in one language, location first."""
        msg = self.zh if lang == "zh" else self.en
        hint = self.hint_zh if lang == "zh" else self.hint_en
        loc = self.location(lang)
        out = f"{loc}: {msg}" if loc else msg
        if hint:
            out += (" —— 应为：" if lang == "zh" else " — expected: ") + hint
        return out


@dataclass(slots=True)
class Report:
    """An ordered collection of :class:`Problem`."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Append one problem."""
        self.problems.append(problem)

    def error(self, code: str, zh: str, en: str, **where: object) -> None:
        """Append an error. ``where`` takes the keyword fields of :class:`Problem`."""
        self.problems.append(Problem("error", code, zh, en, **where))  # type: ignore[arg-type]

    def warning(self, code: str, zh: str, en: str, **where: object) -> None:
        """Append a warning."""
        self.problems.append(Problem("warning", code, zh, en, **where))  # type: ignore[arg-type]

    def extend(self, problems: Iterable[Problem]) -> None:
        """Append several problems."""
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    def has_errors(self, strict: bool = False) -> bool:
        """True when the report blocks a run (warnings count when ``strict``)."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_errors(self, strict: bool = False) -> None:
        """Raise :class:`DataError` carrying this report when it blocks a run."""
        if self.has_errors(strict):
            raise DataError(self)


class DataError(Exception):
    """Bad input: carries the full :class:`Report`. The CLI prints it and exits with 2."""

    def __init__(self, report: Report | Problem) -> None:
        if isinstance(report, Problem):
            report = Report([report])
        self.report = report
        super().__init__("\n".join(p.text("en") for p in report.errors) or "bad input")


def fail(code: str, zh: str, en: str, **where: object) -> DataError:
    """Build a :class:`DataError` holding a single error (``raise fail(...)``)."""
    return DataError(Problem("error", code, zh, en, **where))  # type: ignore[arg-type]
