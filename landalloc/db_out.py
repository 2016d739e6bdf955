"""``landalloc solve … --db-out postgresql://…``: a result written back to PostGIS as tables.

The tables go into a *result schema named by the run*: the ``schema`` of the URL, else the
result folder's name (``--out out/方案`` → schema ``方案``). They are the layers of
``result.gpkg`` (``parcels`` and ``factories`` with one feature per carrier, ``placements``),
``unassigned``, ``quota_use`` and ``landalloc_run`` (one row: scenario, status, objective, data,
its SHA-256, the result folder, the time and the whole ``summary.json``), which marks the schema
as a landalloc result.

The target is checked before solving (:func:`result_target`: URL without password, server
reachable, schema free or a landalloc result and ``--overwrite``), so a run that cannot be stored
fails before its work; the tables are written after the run in ONE transaction
(:func:`write_result_db`): a failed run writes nothing, and a failure while writing leaves the
database as it was. A schema holding other tables than a landalloc result is never written to.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from geodata.postgis_url import DbTarget, parse_target, url_error
from landalloc.console import lang_of, out_console, t

if TYPE_CHECKING:
    import sqlalchemy as sa

# the database libraries are imported on use: `landalloc solve` without --db-out starts as fast

#: The table that marks a schema as a landalloc result.
MARKER = "landalloc_run"
#: Every table a result writes (replaced together with ``--overwrite``).
RESULT_TABLES = ("parcels", "factories", "placements", "unassigned", "quota_use", MARKER)


def _check_schema(conn: sa.Connection, target: DbTarget, overwrite: bool) -> None:
    """Refuse a schema that holds anything but a landalloc result, or a result without
    ``overwrite``."""
    import sqlalchemy as sa

    inspector = sa.inspect(conn)
    if not inspector.has_schema(target.schema):
        return
    names = set(inspector.get_table_names(schema=target.schema))
    names |= set(inspector.get_view_names(schema=target.schema))
    if not names:
        return
    if MARKER not in names:
        shown = ", ".join(sorted(names)[:10])
        raise url_error(
            "schema_not_result",
            f"模式 {target.schema} 中已有其他表（{shown}），不是 landalloc 结果；请另选模式",
            f"schema {target.schema} holds other tables ({shown}) and is not a landalloc "
            "result; choose another schema",
            file=target.label,
            hint_zh="在地址中加 ?schema=新模式名，或换一个结果目录名",
            hint_en="add ?schema=NEW_NAME to the URL, or use another result folder name",
        )
    if not overwrite:
        raise url_error(
            "output_exists",
            f"模式 {target.schema} 中已有 landalloc 结果；如需覆盖请加 --overwrite",
            f"schema {target.schema} already holds a landalloc result; pass --overwrite to "
            "replace it",
            file=target.label,
        )


def result_target(url: str, out: Path, *, overwrite: bool) -> DbTarget:
    """The schema a run's result goes to, checked before the run.

    Parameters
    ----------
    url
        ``postgresql://[user@]host/db[?schema=NAME]`` (no password: libpq's environment).
    out
        The result folder; its name is the schema when the URL names none.
    overwrite
        Whether an earlier landalloc result in the schema may be replaced.

    Raises
    ------
    DataError
        Password in the URL, unusable schema name, server unreachable (host and database
        named), or a schema that may not be written.
    """
    import psycopg
    import sqlalchemy as sa

    from geodata.postgis import connect_checked, db_failure

    target = parse_target(url, default_schema=out.resolve().name)
    eng, conn = connect_checked(target)
    try:
        with conn:
            _check_schema(conn, target, overwrite)
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise db_failure(target, exc) from None
    finally:
        eng.dispose()
    return target


def _run_row(summary: dict[str, Any], out: Path) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "scenario": summary.get("scenario"),
                "status": summary.get("status"),
                "objective": summary.get("objective"),
                "data": summary.get("data"),
                "data_sha256": summary.get("data_sha256"),
                "result_folder": str(out.resolve()),
                "created": summary.get("created"),
                "summary_json": json.dumps(summary, ensure_ascii=False, default=str),
            }
        ]
    )


def result_frames(out: Path) -> dict[str, pd.DataFrame]:
    """The tables of a written result folder, by name: the layers of ``result.gpkg``, the
    ``unassigned`` and ``quota_use`` CSVs and the :data:`MARKER` row of ``summary.json``."""
    import pyogrio

    gpkg = out / "result.gpkg"
    frames: dict[str, pd.DataFrame] = {}
    listed = {str(n) for n in pyogrio.list_layers(gpkg)[:, 0]}
    for name in ("parcels", "factories", "placements"):
        if name in listed:
            frames[name] = pyogrio.read_dataframe(gpkg, layer=name)
    for name, file in (("unassigned", "unassigned.csv"), ("quota_use", "quota_use.csv")):
        frames[name] = pd.read_csv(out / file, encoding="utf-8-sig", dtype={"carrier_id": str})
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    frames[MARKER] = _run_row(summary, out)
    return frames


def write_result_db(target: DbTarget, out: Path, *, overwrite: bool) -> list[str]:
    """Write the tables of the result folder ``out`` into the target's schema in one
    transaction; return the tables written.

    Raises :class:`DataError` (nothing written) when the schema may no longer be written or
    the database refuses a statement.
    """
    import psycopg
    import sqlalchemy as sa

    from geodata.postgis import connect_checked, db_failure, replace_tables, write_frame

    frames = result_frames(out)
    eng, conn = connect_checked(target)
    try:
        with conn, conn.begin():
            _check_schema(conn, target, overwrite)  # another run may have written meanwhile
            replace_tables(conn, target, RESULT_TABLES, overwrite=True)
            for name, df in frames.items():
                write_frame(conn, target.schema, name, df)
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise db_failure(target, exc) from None
    finally:
        eng.dispose()
    return list(frames)


def db_out_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db-out URL`` to ``landalloc solve``: the target is checked before the run, and
    the result folder's tables are written after it (one transaction).

    Put it just above ``@click.pass_context``; the command must take ``out`` and ``overwrite``.
    """

    @click.option(
        "--db-out",
        "db_out",
        help="同时把结果写入 PostGIS：postgresql://[用户@]主机/库[?schema=模式]，模式默认为结果"
        "目录名；一个事务，失败时不写入任何内容 / also write the result to PostGIS, into a "
        "schema named by the run (default: the result folder's name), in one transaction",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, db_out: str | None = None, **kwargs: Any) -> Any:
        if not db_out:
            return command(*args, **kwargs)
        out, overwrite = Path(kwargs["out"]), bool(kwargs.get("overwrite"))
        target = result_target(db_out, out, overwrite=overwrite)  # before any work
        done = command(*args, **kwargs)
        tables = write_result_db(target, out, overwrite=overwrite)
        lang = lang_of(click.get_current_context())
        out_console.print(
            t(
                lang,
                f"结果已写入数据库 {target.label}：{', '.join(tables)}",
                f"result written to the database {target.label}: {', '.join(tables)}",
            ),
            markup=False,
        )
        return done

    return wrapper
