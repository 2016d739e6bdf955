"""PostgreSQL data sources named by URL: recognise, check and describe them (no connection).

Kept apart from :mod:`geodata.postgis` so that reading a scenario or a GeoPackage does not
import the database libraries. See :mod:`geodata.postgis` for the store itself.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from geodata.report import DataError, Problem, Report

#: URL schemes of a PostgreSQL data source.
SCHEMES = ("postgresql", "postgres")
#: PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes): refused instead.
MAX_IDENTIFIER_BYTES = 63

_COLLAPSED = re.compile(r"^(postgres(?:ql)?):/(?!/)(.*)$", re.DOTALL)
_PASSWORD_HINT = (
    "用环境变量 PGPASSWORD、~/.pgpass 或服务文件（PGSERVICE）提供密码",
    "give the password in PGPASSWORD, ~/.pgpass or a service file (PGSERVICE)",
)


def db_url(source: object) -> str | None:
    """The PostgreSQL URL a data source names, or ``None`` for a file.

    A URL that went through :class:`pathlib.Path` (a command-line argument typed as a path)
    has lost one slash of ``//``: it is put back (``postgresql:/h/db`` → ``postgresql://h/db``,
    ``postgresql:/db`` → ``postgresql:///db``, a database on the host libpq chooses).

    Parameters
    ----------
    source
        A path, a string or a URL.

    Returns
    -------
    str or None
        The URL, or ``None`` when ``source`` is not a PostgreSQL URL.
    """
    text = str(source).strip()
    scheme = text.split(":", 1)[0].lower()
    if scheme not in SCHEMES or ":" not in text:
        return None
    if text[len(scheme) :].startswith("://"):
        return text
    m = _COLLAPSED.match(text)
    if m is None:
        return None
    rest = m.group(2)
    path = rest.split("?", 1)[0]
    return f"{m.group(1)}://{rest}" if "/" in path else f"{m.group(1)}:///{rest}"


def has_password(url: str) -> bool:
    """True when the URL carries a password (``user:pw@`` or ``password=``)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    return "password" in query or ("@" in parts.netloc and ":" in parts.netloc.rsplit("@", 1)[0])


def masked(url: str) -> str:
    """The URL for messages: without user, password or libpq parameters (schema kept)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    schema = query.get("schema", [""])[0]
    tail = f"?schema={schema}" if schema else ""
    return f"{parts.scheme}://{host}{parts.path}{tail}"


def mask_secrets(text: str) -> str:
    """``text`` with the password of ``PGPASSWORD`` (if any) replaced by ``***``."""
    secret = os.environ.get("PGPASSWORD")
    return text.replace(secret, "***") if secret else text


@dataclass(frozen=True)
class DbTarget:
    """A schema of a PostgreSQL database, as a URL names it.

    Parameters
    ----------
    url
        The URL as given (never with a password).
    conninfo
        The URL for libpq: without the ``schema`` parameter.
    schema
        The schema holding the tables.
    """

    url: str
    conninfo: str
    schema: str

    @property
    def label(self) -> str:
        """What messages call this source (the URL without user and libpq parameters)."""
        return f"{masked(self.url).split('?', 1)[0]}?schema={self.schema}"

    def host_and_db(self) -> tuple[str, str]:
        """The host and the database libpq will use (from the URL, else the environment)."""
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(self.conninfo)
        service = info.get("service") or os.environ.get("PGSERVICE")
        host = info.get("host") or os.environ.get("PGHOST")
        if not host:
            host = f"service {service}" if service else "localhost"
        port = info.get("port") or os.environ.get("PGPORT")
        db = info.get("dbname") or os.environ.get("PGDATABASE")
        if not db:
            db = f"service {service}" if service else str(info.get("user") or "?")
        return (f"{host}:{port}" if port else str(host)), str(db)


def url_error(code: str, zh: str, en: str, **where: object) -> DataError:
    return DataError(Problem("error", code, zh, en, **where))  # type: ignore[arg-type]


def check_schema_name(name: str, where: str) -> None:
    """Refuse a schema name PostgreSQL would truncate, or that is empty or reserved."""
    size = len(name.encode("utf-8"))
    if not name or size > MAX_IDENTIFIER_BYTES or name.lower().startswith("pg_"):
        raise url_error(
            "bad_schema",
            f"模式名 “{name}” 不可用：须为 1–{MAX_IDENTIFIER_BYTES} 字节且不以 pg_ 开头"
            f"（现为 {size} 字节）",
            f"schema name '{name}' cannot be used: it must have 1–{MAX_IDENTIFIER_BYTES} "
            f"bytes and not start with pg_ (it has {size})",
            file=where,
        )


def parse_target(url: str, *, default_schema: str = "public") -> DbTarget:
    """Check a PostgreSQL URL and split off its ``schema`` parameter.

    Parameters
    ----------
    url
        ``postgresql://[user@][host][:port]/db[?schema=NAME&…]``.
    default_schema
        The schema when the URL names none.

    Raises
    ------
    DataError
        When the URL holds a password, names several schemas or an unusable schema name.
    """
    parts = urllib.parse.urlsplit(url)
    if has_password(url):
        raise url_error(
            "db_password",
            "数据库地址中含有密码；密码不得写在地址、命令行或情景文件中",
            "the database URL holds a password; passwords must not be written in a URL, on "
            "the command line or in a scenario file",
            file=masked(url),
            hint_zh=_PASSWORD_HINT[0],
            hint_en=_PASSWORD_HINT[1],
        )
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    if len(schemas) > 1:
        raise url_error(
            "bad_schema",
            "数据库地址中的 schema 参数只能有一个",
            "the database URL may name one schema only",
            file=masked(url),
        )
    schema = schemas[0] if schemas else default_schema
    check_schema_name(schema, masked(url))
    rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "schema"])
    scheme = "postgresql"
    conninfo = urllib.parse.urlunsplit((scheme, parts.netloc, parts.path, rest, ""))
    if not parts.netloc:  # urlunsplit drops the empty authority of postgresql:///db
        conninfo = f"{scheme}://{parts.path}" + (f"?{rest}" if rest else "")
    return DbTarget(url=url, conninfo=conninfo, schema=schema)


def refuse_password(data: object, report: Report, **where: object) -> str | None:
    """Report a database URL with a password given where credentials may not be (a scenario
    file's ``data``): error ``db_password`` (exit 2). Returns the URL without the password to
    use in its place, or ``None`` when ``data`` is not such a URL."""
    if not (isinstance(data, str) and db_url(data) is not None and has_password(data)):
        return None
    report.error(
        "db_password",
        "情景文件的 data 中含有数据库密码；密码不得写在情景文件中",
        "the scenario's data holds a database password; passwords must not be written in a "
        "scenario file",
        column="data",
        hint_zh="删去地址中的密码，改用环境变量 PGPASSWORD、~/.pgpass 或服务文件（PGSERVICE）",
        hint_en="remove the password from the URL; use PGPASSWORD, ~/.pgpass or a service "
        "file (PGSERVICE)",
        **where,
    )
    return masked(data)


def not_a_file(url: str, where: str) -> DataError:
    """The error of a command that needs a data file given a database (``sweep``)."""
    return url_error(
        "data_not_file",
        f"此命令需要 GeoPackage 数据文件，而情景的 data 是数据库 {masked(url)}",
        f"this command needs a GeoPackage data file; the scenario's data is the database "
        f"{masked(url)}",
        file=where,
        column="data",
    )


def source_label(source: str | Path) -> str:
    """What messages call a data source: a file's name, a database's masked URL."""
    url = db_url(source)
    if url is None:
        return Path(source).name
    try:
        return parse_target(url).label
    except DataError:
        return masked(url)
