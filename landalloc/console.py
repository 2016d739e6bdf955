"""Printing reports and errors for the CLI (Chinese by default, English with ``--lang en``)."""

from __future__ import annotations

import click
from rich.console import Console

from geodata.report import Report

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)


def lang_of(ctx: click.Context) -> str:
    """The language chosen with ``--lang`` (``zh`` by default)."""
    root = ctx.find_root()
    return str((root.obj or {}).get("lang", "zh"))


def t(lang: str, zh: str, en: str) -> str:
    """Pick the text for the language."""
    return zh if lang == "zh" else en


def print_report(report: Report, lang: str, *, console: Console | None = None) -> None:
    """Print every problem of a report, errors first, with a count line."""
    c = console or err_console
    for p in sorted(
        report.problems, key=lambda p: {"error": 0, "warning": 1, "info": 2}[p.severity]
    ):
        tag = {
            "error": t(lang, "[red]错误[/red]", "[red]error[/red]"),
            "warning": t(lang, "[yellow]警告[/yellow]", "[yellow]warning[/yellow]"),
            "info": t(lang, "提示", "info"),
        }[p.severity]
        c.print(f"{tag} \\[{p.code}] ", end="")
        c.print(p.text(lang), markup=False)
    ne, nw = len(report.errors), len(report.warnings)
    if ne or nw:
        c.print(t(lang, f"共 {ne} 个错误，{nw} 个警告", f"{ne} error(s), {nw} warning(s)"))
