"""PostgreSQL with PostGIS as a store beside the GeoPackage.

A data source is either a GeoPackage file or a URL ``postgresql://[user@][host][:port]/db
[?schema=NAME&libpq parameters]``. The layers of the data contract (``parcels``, ``factories``,
``projects``, ``quotas``, ``clusters`` and optionally ``zones``) are tables of that schema
(default ``public``); their rows are read in the order of their ``fid`` column when they have one
(the tables written by :func:`write_db` do), so "row N" means the same as in a GeoPackage.

Credentials never come from the URL: libpq takes them from ``PGHOST``, ``PGPORT``, ``PGUSER``,
``PGPASSWORD``, ``~/.pgpass`` or a service file (``PGSERVICE``, or ``service=`` in the URL). A URL
holding a password is refused (:func:`parse_target`), and no message prints one.

Everything goes through libraries: geopandas ``to_postgis``/``read_postgis`` with SQLAlchemy and
GeoAlchemy2 over psycopg 3. Identifiers (schema and table names) are quoted by SQLAlchemy, values
are bound parameters; no SQL text is built from data.

The tiers of checks are those of :mod:`geodata.store`: this module only lists and reads the
tables (:func:`read_frames`) and writes them (:func:`write_db`).
"""

from __future__ import annotations

import decimal
import hashlib
from typing import Any

import geoalchemy2
import geopandas as gpd
import pandas as pd
import psycopg
import sqlalchemy as sa

from geodata.postgis_url import DbTarget, mask_secrets, parse_target, url_error
from geodata.postgis_url import db_url as db_url
from geodata.report import DataError, Report
from geodata.tables import Tables
from geodata.write import _to_layer

#: Seconds libpq waits for each address of the server: an unreachable database fails in < 10 s.
CONNECT_TIMEOUT_S = 4
#: The contract's layers as tables, in the order they are written.
LAYER_TABLES = ("parcels", "factories", "projects", "quotas", "clusters", "zones")


def engine(target: DbTarget) -> sa.Engine:
    """An SQLAlchemy engine on the target (psycopg 3; credentials from libpq's environment).

    Connections are opened on use; :func:`connect_checked` reports an unreachable server.
    """

    def creator() -> psycopg.Connection[Any]:
        return psycopg.connect(target.conninfo, connect_timeout=CONNECT_TIMEOUT_S)

    return sa.create_engine("postgresql+psycopg://", creator=creator, poolclass=sa.pool.NullPool)


def unreachable(target: DbTarget, exc: BaseException) -> DataError:
    """The exit-2 error of a database that cannot be reached, naming host and database."""
    host, db = target.host_and_db()
    detail = mask_secrets(" ".join(str(getattr(exc, "orig", None) or exc).split()))[:300]
    return url_error(
        "db_unreachable",
        f"无法连接数据库：主机 {host}，数据库 {db}（{detail}）",
        f"cannot connect to the database: host {host}, database {db} ({detail})",
        file=target.label,
        hint_zh="检查主机、端口和数据库名，以及 PGHOST、PGPORT、PGUSER、PGPASSWORD 或服务文件",
        hint_en="check host, port and database name, and PGHOST, PGPORT, PGUSER, PGPASSWORD or "
        "the service file",
    )


def connect_checked(target: DbTarget) -> tuple[sa.Engine, sa.Connection]:
    """An engine and an open connection; :class:`DataError` when the server cannot be reached."""
    eng = engine(target)
    try:
        return eng, eng.connect()
    except (sa.exc.SQLAlchemyError, psycopg.Error, OSError) as exc:
        eng.dispose()
        raise unreachable(target, exc) from None


def db_failure(target: DbTarget, exc: BaseException) -> DataError:
    """A database error met after connecting (permissions, types …), as an exit-2 error."""
    detail = mask_secrets(" ".join(str(getattr(exc, "orig", None) or exc).split()))[:400]
    return url_error(
        "db_error",
        f"数据库操作失败：{detail}",
        f"the database refused the operation: {detail}",
        file=target.label,
    )


# --------------------------------------------------------------------------- reading


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Cells as the GeoPackage reader gives them: ``numeric`` values as floats."""
    for col in df.columns:
        if df[col].dtype == object and any(isinstance(v, decimal.Decimal) for v in df[col]):
            df[col] = [float(v) if isinstance(v, decimal.Decimal) else v for v in df[col]]
    return df


def _read_table(conn: sa.Connection, schema: str, name: str) -> pd.DataFrame:
    """One table in ``fid`` order (else the primary key's, else as stored); geometry as
    ``geometry`` with the column's SRID as CRS."""
    table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
    spatial = (geoalchemy2.Geometry, geoalchemy2.Geography)
    geoms = [c for c in table.columns if isinstance(c.type, spatial)]
    order = [table.c.fid] if "fid" in table.c else list(table.primary_key.columns)
    query = sa.select(table).order_by(*order)
    if not geoms:
        return _plain(pd.read_sql(query, conn).drop(columns="fid", errors="ignore"))
    col = geoms[0]
    srid = int(getattr(col.type, "srid", -1) or -1)
    gdf = gpd.read_postgis(query, conn, geom_col=col.name)
    if gdf.crs is None and srid > 0:
        gdf = gdf.set_crs(epsg=srid)
    if col.name != "geometry":
        gdf = gdf.drop(columns="geometry", errors="ignore").rename_geometry("geometry")
    gdf = gdf.drop(columns="fid", errors="ignore")
    # the geometry last, as GDAL reads a GeoPackage
    return _plain(gdf[[*(c for c in gdf.columns if c != "geometry"), "geometry"]])


def read_frames(
    url: str, report: Report, *, required: tuple[str, ...]
) -> tuple[dict[str, pd.DataFrame], str] | None:
    """The contract's tables of a schema, as read (not yet checked).

    Parameters
    ----------
    url
        The data source.
    report
        Receives the problems that stop the reading: bad URL, server unreachable, schema or
        required tables missing, a table that cannot be read.
    required
        The tables that must exist.

    Returns
    -------
    tuple or None
        ``(frames by layer, label for messages)``, or ``None`` when nothing could be read.
    """
    try:
        target = parse_target(url)
    except DataError as exc:
        report.extend(exc.report.problems)
        return None
    where = {"file": target.label}
    try:
        eng, conn = connect_checked(target)
    except DataError as exc:
        report.extend(exc.report.problems)
        return None
    try:
        with conn:
            inspector = sa.inspect(conn)
            if not inspector.has_schema(target.schema):
                schemas = sorted(inspector.get_schema_names())
                report.error(
                    "missing_schema",
                    f"数据库中没有模式 {target.schema}；已有的模式：{', '.join(schemas)}",
                    f"the database has no schema {target.schema}; schemas: {', '.join(schemas)}",
                    **where,
                )
                return None
            names = set(inspector.get_table_names(schema=target.schema))
            missing = [n for n in required if n not in names]
            if missing:
                report.error(
                    "missing_layer",
                    f"缺少图层 {', '.join(missing)}；模式 {target.schema} 中的表："
                    f"{', '.join(sorted(names)) or '（无）'}",
                    f"missing layer(s) {', '.join(missing)}; tables in schema {target.schema}: "
                    f"{', '.join(sorted(names))}",
                    **where,
                )
                return None
            frames = {n: _read_table(conn, target.schema, n) for n in LAYER_TABLES if n in names}
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        report.add(db_failure(target, exc).report.problems[0])
        return None
    finally:
        eng.dispose()
    return frames, target.label


def fingerprint(url: str) -> str:
    """SHA-256 of the contract's tables in a schema (cells and geometries as stored).

    What ``summary.json`` records as ``data_sha256`` for a database: it changes when any cell
    or geometry of the tables changes. Raises :class:`DataError` when they cannot be read.
    """
    report = Report()
    got = read_frames(url, report, required=())
    report.raise_if_errors()
    assert got is not None
    h = hashlib.sha256()
    for name, df in sorted(got[0].items()):
        h.update(f"\0{name}\0".encode())
        plain = pd.DataFrame(df).copy()
        if isinstance(df, gpd.GeoDataFrame):
            plain["geometry"] = df.geometry.to_wkb(hex=True)
        h.update(plain.to_csv(index=False).encode("utf-8"))
    return h.hexdigest()


# --------------------------------------------------------------------------- writing


def _ours(conn: sa.Connection, schema: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are tables of ``schema``."""
    inspector = sa.inspect(conn)
    if not inspector.has_schema(schema):
        return []
    present = set(inspector.get_table_names(schema=schema))
    return [n for n in names if n in present]


def replace_tables(
    conn: sa.Connection, target: DbTarget, names: tuple[str, ...], *, overwrite: bool
) -> None:
    """Create the schema if needed; drop those of ``names`` that exist (``overwrite``), or
    refuse them (exit 2). Runs in the caller's transaction."""
    existing = _ours(conn, target.schema, names)
    if existing and not overwrite:
        raise _exists(target, existing)
    conn.execute(sa.schema.CreateSchema(target.schema, if_not_exists=True))
    for name in existing:
        conn.execute(sa.schema.DropTable(sa.Table(name, sa.MetaData(), schema=target.schema)))


def write_frame(conn: sa.Connection, schema: str, name: str, df: pd.DataFrame) -> None:
    """Write one table with an ``fid`` column 1…n (the row numbers of messages)."""
    out = df.reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1, name="fid")
    if isinstance(out, gpd.GeoDataFrame):
        out.to_postgis(name, conn, schema=schema, if_exists="fail", index=True)
    else:
        pd.DataFrame(out).to_sql(name, conn, schema=schema, if_exists="fail", index=True)


def check_target(url: str, *, overwrite: bool) -> DbTarget:
    """Parse and reach an output target before any work: exit 2 when it cannot be written to
    (unreachable, or holding the layers without ``overwrite``)."""
    target = parse_target(url)
    eng, conn = connect_checked(target)
    try:
        with conn:
            existing = _ours(conn, target.schema, LAYER_TABLES)
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise db_failure(target, exc) from None
    finally:
        eng.dispose()
    if existing and not overwrite:
        raise _exists(target, existing)
    return target


def write_db(tables: Tables, url: str, *, overwrite: bool = False) -> DbTarget:
    """Write the layers into a schema in one transaction (nothing is left on failure).

    Cells are written as :func:`geodata.write.write_tables` writes a GeoPackage (lists as
    ``a;b``, dates as ISO text, booleans as booleans, numbers as numbers); each table gets an
    ``fid`` column. Empty ``factories`` and ``zones`` are not written. Existing layer tables of
    the schema are replaced only with ``overwrite``; other tables are left alone.
    """
    target = parse_target(url)
    layers: dict[str, pd.DataFrame] = {}
    for name in LAYER_TABLES:
        df = getattr(tables, name)
        if df is None or (name in ("factories", "zones") and len(df) == 0):
            continue
        cells = _to_layer(df)
        if isinstance(df, gpd.GeoDataFrame):
            cells = gpd.GeoDataFrame(cells, geometry=df.geometry.name, crs=df.crs)
            if df.geometry.name != "geometry":
                cells = cells.rename_geometry("geometry")
        layers[name] = cells
    eng, conn = connect_checked(target)
    try:
        with conn, conn.begin():
            replace_tables(conn, target, LAYER_TABLES, overwrite=overwrite)
            for name, df in layers.items():
                write_frame(conn, target.schema, name, df)
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise db_failure(target, exc) from None
    finally:
        eng.dispose()
    return target


def _exists(target: DbTarget, existing: list[str]) -> DataError:
    """The refusal to replace tables that are there without ``--overwrite`` (exit 2)."""
    return url_error(
        "output_exists",
        f"模式 {target.schema} 中已有表 {', '.join(existing)}；如需覆盖请加 --overwrite",
        f"schema {target.schema} already holds {', '.join(existing)}; pass --overwrite to "
        "replace them",
        file=target.label,
    )
