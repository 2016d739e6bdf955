"""Writing: GeoPackages and other outputs replaced atomically, never half-written.

:func:`atomic_path` gives a temporary path beside the target and renames it into place on
success; :func:`write_tables` writes the contract layers with typed fields (numbers as numbers,
booleans as GeoPackage booleans, lists as ``a;b``, dates as ISO text).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geodata.report import fail
from geodata.schema import LAYERS
from geodata.tables import Tables


@contextlib.contextmanager
def atomic_path(target: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto the target on success.

    Nothing is left behind when the body raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    os.unlink(tmp)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            if tmp_path.is_dir():
                import shutil

                shutil.rmtree(tmp_path, ignore_errors=True)
            else:
                tmp_path.unlink()


def check_output_path(out: Path, inputs: list[Path], overwrite: bool) -> None:
    """Refuse an output that exists (without ``overwrite``) or that is one of the inputs."""
    for i in inputs:
        with contextlib.suppress(OSError):
            if out.resolve() == i.resolve():
                raise fail(
                    "output_is_input",
                    f"输出文件 {out} 与输入文件相同",
                    f"output {out} is the same file as an input",
                    file=str(out),
                    hint_zh="另选输出路径",
                    hint_en="choose another output path",
                )
    if out.exists() and not overwrite:
        raise fail(
            "output_exists",
            f"输出 {out} 已存在；如需覆盖请加 --overwrite",
            f"output {out} exists; pass --overwrite to replace it",
            file=str(out),
        )


def _to_layer(df: pd.DataFrame) -> pd.DataFrame:
    """A layer's cells as GeoPackage fields: lists as ``a;b``, dates as ISO text, numbers as
    numbers and booleans as GeoPackage booleans (integer fields of subtype boolean)."""
    out = df.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        vals = out[col].tolist()
        if any(isinstance(v, tuple | list | frozenset | set) for v in vals):
            out[col] = [";".join(sorted(v)) if v else "" for v in vals]
        elif any(isinstance(v, dt.date) for v in vals):
            out[col] = [v.isoformat() if isinstance(v, dt.date) else None for v in vals]
        elif _boolean(vals, str(col)):
            # a pandas bool column is written as a boolean field (an object column would be
            # the text 'True'/'False', which every reader takes as true)
            blank = [_blank(v) for v in vals]
            out[col] = pd.Series(
                [None if b else bool(v) for v, b in zip(vals, blank, strict=True)],
                index=out.index,
                dtype="boolean" if any(blank) else bool,
            )
        elif out[col].dtype == object and _numeric(vals, str(col)):
            # typed numbers, not text, in the GeoPackage (QGIS/ArcGIS users sort and filter them)
            out[col] = pd.to_numeric(pd.Series(vals, index=out.index, dtype=object))
    return out


_NUMERIC_COLUMNS = {c.name for cols in LAYERS.values() for c in cols if c.kind in ("int", "real")}
_BOOL_COLUMNS = {c.name for cols in LAYERS.values() for c in cols if c.kind == "bool"}


def _blank(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))


def _boolean(vals: list[object], name: str) -> bool:
    """True for a column of booleans and blanks (all-blank only for contract boolean columns)."""
    present = [v for v in vals if not _blank(v)]
    if not all(isinstance(v, bool | np.bool_) for v in present):
        return False
    return bool(present) or name in _BOOL_COLUMNS


def _numeric(vals: list[object], name: str) -> bool:
    """True for a column of plain numbers and blanks (all-blank only for contract number columns)."""
    present = [v for v in vals if v is not None and not (isinstance(v, float) and pd.isna(v))]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return False
    return bool(present) or name in _NUMERIC_COLUMNS


def write_tables(tables: Tables, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write all layers to a GeoPackage atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise fail(
            "output_exists",
            f"输出 {path} 已存在；如需覆盖请加 --overwrite",
            f"output {path} exists; pass --overwrite to replace it",
            file=str(path),
        )
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame(
            _to_layer(tables.parcels), geometry="geometry", crs=tables.parcels.crs
        ).to_file(tmp, layer="parcels", driver="GPKG", engine="pyogrio")
        if len(tables.factories):
            gpd.GeoDataFrame(
                _to_layer(tables.factories), geometry="geometry", crs=tables.factories.crs
            ).to_file(tmp, layer="factories", driver="GPKG", engine="pyogrio")
        for name, df in (
            ("projects", tables.projects),
            ("quotas", tables.quotas),
            ("clusters", tables.clusters),
        ):
            pyogrio.write_dataframe(_to_layer(df), tmp, layer=name, driver="GPKG")
        if tables.zones is not None and len(tables.zones):
            gpd.GeoDataFrame(
                _to_layer(tables.zones), geometry=tables.zones.geometry.name, crs=tables.zones.crs
            ).to_file(tmp, layer="zones", driver="GPKG", engine="pyogrio")
    return path


def replace_projects(tables: Tables, projects: pd.DataFrame) -> Tables:
    """A copy of ``tables`` with another projects table."""
    return replace(tables, projects=projects)
