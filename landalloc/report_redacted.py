"""The redacted ``report.xlsx`` of a result folder: what may be forwarded outside (issue 18).

A copy of the run's own report in which every text cell of every sheet is scrubbed
(:class:`maps.redact.Redaction`): the name of a project in negotiation becomes its cluster and
size band, every company the withheld marker; every sheet carries the 内部资料 mark (a first row
on the first sheet, and the header of every printed page). Scrubbing the cells rather than
rebuilding the sheets keeps every sheet of the report, present or future, covered.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import load_workbook
from openpyxl.styles import Font

from geodata.textsafe import restore_csv_text
from maps.i18n import cluster_names
from maps.redact import Redaction, redaction

if TYPE_CHECKING:
    from geodata.store import Tables

#: The mark of a redacted report, on the first sheet's first row and every printed page.
INTERNAL_MARK = {
    "zh": "内部资料：在谈项目仅按产业集群和投资规模显示，已隐去名称与企业",
    "en": "Internal: projects in negotiation shown only by cluster and size; names and companies "
    "withheld",
}
#: The result tables that name projects (read to know what to hide).
_NAMED = ("assignments.csv", "unassigned.csv", "readiness_projects.csv")


def _csv(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return restore_csv_text(df)


def result_redaction(result_dir: Path, tables: Tables, lang: str) -> Redaction:
    """What to hide in the files of a result folder (its tables and the data's projects)."""
    frames = [_csv(result_dir / name) for name in _NAMED]
    return redaction(frames, cluster_names(tables, lang), lang, projects=tables.projects)


def redact_workbook(source: Path, target: Path, masks: Redaction, lang: str) -> Path:
    """Write a scrubbed, marked copy of the workbook ``source`` to ``target``."""
    wb = load_workbook(source)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    new = masks.scrub(cell.value)
                    if new != cell.value:
                        cell.value = new
        for comment in (c.comment for r in ws.iter_rows() for c in r if c.comment):
            comment.text = masks.scrub(comment.text)
    text = INTERNAL_MARK["en" if lang == "en" else "zh"]
    for ws in wb.worksheets:
        ws.oddHeader.center.text = text
        ws.evenHeader.center.text = text
    first = wb.worksheets[0]
    first.insert_rows(1)
    first["A1"] = text
    first["A1"].font = Font(bold=True, color="B71C1C")
    first.freeze_panes = "A3"
    wb.save(target)
    return target


def write_redacted_report(result_dir: Path, target: Path, tables: Tables, lang: str) -> Path:
    """The redacted copy of ``result_dir/report.xlsx`` at ``target``.

    Parameters
    ----------
    result_dir
        A ``landalloc solve`` result folder (its ``report.xlsx`` and result tables are read).
    target
        The workbook to write (the caller makes the write atomic).
    tables
        The data as the run saw them (cluster names; the stage of every project).
    lang
        ``zh`` or ``en`` (the band and the mark).
    """
    masks = result_redaction(result_dir, tables, lang)
    return redact_workbook(result_dir / "report.xlsx", target, masks, lang)
