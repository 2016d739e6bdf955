"""Read a ``landalloc solve`` result folder back for the maps (CSV + summary.json + the data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.postgis_url import db_url
from geodata.report import DataError, Report
from geodata.schema import UNASSIGNED_COLUMNS
from geodata.store import Tables, validate
from geodata.textsafe import restore_csv_text
from maps.render import READINESS_COLUMNS, ResultTables


def _csv(path: Path, report: Report, *, required: bool) -> pd.DataFrame | None:
    if not path.exists():
        if required:
            report.error(
                "no_file",
                f"结果目录中缺少 {path.name}",
                f"{path.name} is missing from the result folder",
                file=str(path),
                hint_zh="landalloc solve 的输出目录",
                hint_en="an output folder of landalloc solve",
            )
        return None
    try:
        # names as the data had them, without the ' that keeps them from being formulas
        return restore_csv_text(
            pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        report.error(
            "unreadable",
            f"无法读取 CSV：{exc}",
            f"cannot read the CSV: {exc}",
            file=str(path),
        )
        return None


def _summary(spath: Path, report: Report) -> dict[str, Any]:
    """``summary.json`` as a dictionary; ``{}`` after reporting it missing or not an object."""
    summary: dict[str, Any] = {}
    if not spath.exists():
        report.error(
            "no_file",
            "结果目录中缺少 summary.json",
            "summary.json is missing from the result folder",
            file=str(spath),
        )
    else:
        try:
            loaded = json.loads(spath.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError("not an object")
            summary = loaded
        except (ValueError, UnicodeDecodeError) as exc:
            report.error(
                "unreadable",
                f"summary.json 不是有效的 JSON 对象：{exc}",
                f"summary.json is not a valid JSON object: {exc}",
                file=str(spath),
            )
    return summary


def read_result_dir(result_dir: str | Path) -> tuple[ResultTables, Path, dict[str, Any]]:
    """Read one result folder: its tables, the data file it was solved on and its summary.

    ``readiness.csv`` is used when it has the per-parcel columns ``parcel_id, status`` (as written
    by ``landalloc readiness``); a per-project readiness file is ignored (the same facts are in
    ``assignments.csv``).

    Raises
    ------
    DataError
        When a file is missing or unreadable, or the data file is not recorded or not found.
    """
    d = Path(result_dir)
    report = Report()
    if not d.is_dir():
        report.error("no_file", f"找不到结果目录 {d}", f"result folder not found: {d}", file=str(d))
        raise DataError(report)
    assignments = _csv(d / "assignments.csv", report, required=True)
    unassigned = _csv(d / "unassigned.csv", report, required=False)
    readiness = _csv(d / "readiness.csv", report, required=False)
    if readiness is not None and not {"parcel_id", "status"} <= set(readiness.columns):
        readiness = None
    elif readiness is not None:
        readiness = readiness[[c for c in READINESS_COLUMNS if c in readiness.columns]]
    spath = d / "summary.json"
    summary = _summary(spath, report)
    data = summary.get("data")
    data_path = Path(str(data)) if data else None
    in_db = bool(data) and db_url(str(data)) is not None  # a postgresql:// URL, not a file
    if summary and data_path is None:
        report.error(
            "no_data_path",
            "summary.json 中没有记录数据文件（键 data）",
            "summary.json records no data file (key data)",
            file=str(spath),
            column="data",
        )
    elif data_path is not None and not in_db and not data_path.is_absolute():
        data_path = (d / data_path).resolve()
    if data_path is not None and not in_db and not data_path.exists():
        report.error(
            "no_file",
            f"summary.json 记录的数据文件 {data_path} 不存在",
            f"the data file recorded in summary.json, {data_path}, does not exist",
            file=str(spath),
            column="data",
            hint_zh="将数据文件放回原处，或修改 summary.json 中的 data",
            hint_en="put the data file back or edit data in summary.json",
        )
    report.raise_if_errors()
    assert assignments is not None and data_path is not None
    kpis = summary.get("kpis") if isinstance(summary.get("kpis"), dict) else {}
    name = str(summary.get("scenario") or (kpis or {}).get("scenario") or d.name)
    res = ResultTables(
        name=name,
        assignments=assignments,
        unassigned=(
            unassigned if unassigned is not None else pd.DataFrame(columns=list(UNASSIGNED_COLUMNS))
        ),
        kpis={**(kpis or {}), "scenario": name},
        readiness=readiness,
    )
    return res, data_path, summary


def read_readiness(path: str | Path) -> pd.DataFrame:
    """Read a per-parcel readiness CSV (``parcel_id, status[, ready_date, missing]``).

    For example ``readiness_parcels.csv`` of ``landalloc readiness --out``. Raises
    :class:`DataError` when the file is missing, unreadable or lacks those columns.
    """
    report = Report()
    df = _csv(Path(path), report, required=True)
    if df is not None and not {"parcel_id", "status"} <= set(df.columns):
        report.error(
            "missing_column",
            f"开工条件文件缺少列 parcel_id 或 status；找到的列：{', '.join(map(str, df.columns))}",
            f"the readiness file lacks parcel_id or status; found: {', '.join(map(str, df.columns))}",
            file=str(path),
            hint_zh=", ".join(READINESS_COLUMNS),
            hint_en=", ".join(READINESS_COLUMNS),
        )
    report.raise_if_errors()
    assert df is not None
    return df[[c for c in READINESS_COLUMNS if c in df.columns]]


def read_tables(data_path: Path) -> Tables:
    """Validate the data file (all tiers) and return its tables; raise :class:`DataError`."""
    tables, report = validate(data_path)
    report.raise_if_errors()
    assert tables is not None
    return tables
