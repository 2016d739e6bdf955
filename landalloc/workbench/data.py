"""Data of the workbench: GeoPackage uploads checked before they are kept, and what the editor
needs to know of a data file (years, the district quota of each year, project and carrier ids).

An upload is written into the workspace's ``.tmp`` folder (size-limited while it streams), its
type checked by its first bytes, and validated by :func:`geodata.store.validate`; only a file
without errors is moved into ``data/`` (one rename). The report names the upload by its own
file name, not the temporary one.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from geodata.store import validate
from landalloc.workbench.job_main import problem_rows
from landalloc.workbench.workspace import BadInput, Workspace, safe_name

#: The largest upload accepted (bytes).
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
#: The first bytes of an SQLite file, which a GeoPackage is.
SQLITE_MAGIC = b"SQLite format 3\x00"


def new_upload(ws: Workspace, suffix: str) -> Path:
    """A fresh temporary path for an upload inside the workspace."""
    fd, tmp = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=ws.tmp)
    os.close(fd)
    return Path(tmp)


def too_large(limit: int = MAX_UPLOAD_BYTES) -> BadInput:
    """The error of an upload over ``limit`` bytes."""
    mb = limit // (1024 * 1024)
    return BadInput(f"文件超过 {mb} MB 上限", f"the file is larger than the {mb} MB limit", 413)


def check_gpkg_upload(filename: str, tmp: Path) -> str:
    """The data name of an uploaded GeoPackage (its file name without ``.gpkg``), or
    :class:`BadInput` when the name or the type is wrong."""
    base = Path(filename.replace("\\", "/")).name if filename else ""
    if base != filename or base in ("..", "."):
        raise BadInput(
            f"文件名「{filename[:80]}」不能包含路径", f"file name '{filename[:80]}' has a path"
        )
    if not base.lower().endswith(".gpkg"):
        raise BadInput(
            "请上传 GeoPackage 文件（.gpkg）；Excel 项目库请先用 landalloc import 导入",
            "upload a GeoPackage (.gpkg); import Excel tables first with landalloc import",
        )
    with tmp.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise BadInput(
            f"{base} 不是 GeoPackage 文件（不是 SQLite 数据库）",
            f"{base} is not a GeoPackage (not an SQLite database)",
        )
    return safe_name(base[: -len(".gpkg")], ("数据名称", "data name"))


def accept_gpkg(
    ws: Workspace, filename: str, tmp: Path, *, replace: bool = False
) -> dict[str, Any]:
    """Validate an uploaded GeoPackage and keep it when it has no errors.

    Returns
    -------
    dict
        ``ok``, ``name``, ``problems`` (rows of file, layer, row, column, message) and, when
        kept, ``info`` (:func:`data_info`).
    """
    try:
        name = check_gpkg_upload(filename, tmp)
        target = ws.data_file(name)
        if target.exists() and not replace:
            raise BadInput(
                f"工作区已有数据「{name}」；如需替换请勾选“替换同名数据”",
                f"the workspace already holds data '{name}'; tick 'replace' to replace it",
                409,
            )
        tables, report = validate(tmp)
        rows = problem_rows(report, {str(tmp): f"{name}.gpkg", tmp.name: f"{name}.gpkg"})
        if tables is None or report.errors:
            return {"ok": False, "name": name, "problems": rows}
        os.replace(tmp, target)
        return {"ok": True, "name": name, "problems": rows, "info": data_info(target)}
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def data_info(path: Path) -> dict[str, Any]:
    """What the editor shows of a data file: quota years, the district quota of each year (亩),
    each zone's, and the project and carrier ids (for pins and withheld carriers)."""
    import pyogrio

    def table(layer: str) -> Any:
        try:
            return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
        except Exception:
            return None

    quotas = table("quotas")
    years: list[int] = []
    district: dict[str, float] = {}
    zones: dict[str, dict[str, float]] = {}
    if quotas is not None and len(quotas):
        years = sorted({int(y) for y in quotas["year"].dropna()})
        for _, r in quotas.iterrows():
            y, z, mu = str(int(r["year"])), str(r["zone"]), float(r["land_mu"])
            if z == "*":
                district[y] = mu
            else:
                zones.setdefault(y, {})[z] = mu
        for y in map(str, years):  # no district row: the zones' sum
            district.setdefault(y, round(sum(zones.get(y, {}).values()), 1))
    ids: dict[str, list[str]] = {}
    for layer, col in (("projects", "project_id"), ("parcels", "parcel_id")):
        t = table(layer)
        ids[layer] = sorted(map(str, t[col].dropna())) if t is not None and col in t else []
    f = table("factories")
    ids["factories"] = sorted(map(str, f["factory_id"].dropna())) if f is not None else []
    return {
        "name": path.stem,
        "years": years,
        "district_quota": district,
        "zone_quota": zones,
        "projects": ids["projects"],
        "carriers": ids["parcels"] + ids["factories"],
        "size": path.stat().st_size,
    }


def templates_zip() -> bytes:
    """The import kit (:func:`landalloc.import_kit.write_kit`) as one zip file."""
    from landalloc.import_kit import write_kit

    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as d, zipfile.ZipFile(buf, "w") as z:
        for p in write_kit(Path(d) / "导入模板"):
            z.write(p, f"导入模板/{p.name}")
    return buf.getvalue()
