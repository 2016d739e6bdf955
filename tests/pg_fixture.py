"""A throw-away PostgreSQL + PostGIS cluster for the tests (session fixture ``pg_cluster``).

``initdb`` into a temporary folder, ``pg_ctl start`` on a free port of 127.0.0.1 (and a Unix
socket in that folder), a database with ``CREATE EXTENSION postgis``, and ``pg_ctl stop`` at the
end of the session: no server is left running. The server runs as an unprivileged user: the
current one, or, under root (``initdb`` refuses root), the ``postgres`` user of Debian's package
(else ``nobody``) through ``runuser``.

The role ``landalloc`` has a password; connections over TCP need it (``scram-sha-256``), so the
tests give it the way users do, in ``PGPASSWORD``. Without the PostgreSQL binaries the tests are
skipped with the reason, except in CI (``CI`` set) and under ``.ci/run`` (``LANDALLOC_REQUIRE_PG``
set), where they fail: ``.ci/run`` installs them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_ROOT = Path("/usr/lib/postgresql")
ROLE = "landalloc"
PASSWORD = "s3cret-Pg-Pw"
DATABASE = "landalloc_test"


@dataclass(frozen=True)
class PgCluster:
    """A running throw-away cluster."""

    host: str
    port: int
    socket_dir: Path
    database: str
    user: str
    password: str

    def url(self, schema: str | None = None, *, database: str | None = None) -> str:
        """A URL of the test database over TCP (no password: it comes from PGPASSWORD)."""
        tail = f"?schema={schema}" if schema is not None else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database or self.database}{tail}"

    def env(self) -> dict[str, str]:
        """The libpq environment the tests use for the password."""
        return {"PGPASSWORD": self.password}

    def admin(self) -> object:
        """A psycopg connection over the Unix socket (trust), autocommit."""
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.user,
            dbname=self.database,
            autocommit=True,
        )


def _bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder holding initdb and pg_ctl."""
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") or os.environ.get("LANDALLOC_REQUIRE_PG"):
        pytest.fail(f"PostgreSQL tests cannot run in CI (or under .ci/run): {reason}")
    pytest.skip(f"PostgreSQL/PostGIS not available: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    """``None`` to run as ourselves; under root an unprivileged user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def _run(cmd: list[str], user: str | None, **kw: object) -> subprocess.CompletedProcess[str]:
    full = ["runuser", "-u", user, "--", *cmd] if user else cmd
    return subprocess.run(full, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """Start a throw-away PostGIS cluster for the session; stop and remove it afterwards."""
    bindir = _bin_dir()
    if bindir is None:
        _unavailable(f"no initdb under {PG_ROOT}")
    assert bindir is not None
    ext = Path("/usr/share/postgresql") / bindir.parent.name / "extension" / "postgis.control"
    if not ext.exists():
        _unavailable(f"the PostGIS extension is not installed ({ext})")
    user = _server_user()
    if os.geteuid() == 0 and (user is None or shutil.which("runuser") is None):
        _unavailable("running as root without an unprivileged user or runuser")
    base = Path(tempfile.mkdtemp(prefix="landalloc-pg-"))
    data, sock, log = base / "data", base / "sock", base / "server.log"
    sock.mkdir()
    pwfile = base / "pw"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if user:
        entry = pwd.getpwnam(user)
        for p in (base, sock, pwfile):
            os.chown(p, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    started = False
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                ROLE,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            user,
        )
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "start"],
            user,
        )
        started = True
        cluster = PgCluster("127.0.0.1", port, sock, DATABASE, ROLE, PASSWORD)
        _create_database(cluster)
        yield cluster
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user)
        shutil.rmtree(base, ignore_errors=True)


def _create_database(cluster: PgCluster) -> None:
    import psycopg

    deadline = time.monotonic() + 20
    while True:
        try:
            con = psycopg.connect(
                host=str(cluster.socket_dir),
                port=cluster.port,
                user=cluster.user,
                dbname="postgres",
                autocommit=True,
            )
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with con:
        con.execute(f'CREATE DATABASE "{cluster.database}"')  # a constant of this module
    with psycopg.connect(
        host=str(cluster.socket_dir),
        port=cluster.port,
        user=cluster.user,
        dbname=cluster.database,
        autocommit=True,
    ) as db:
        db.execute("CREATE EXTENSION postgis")


@pytest.fixture
def pg(pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> PgCluster:
    """The session's cluster, with its password in ``PGPASSWORD`` for this test (libpq)."""
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in pg_cluster.env().items():
        monkeypatch.setenv(key, value)
    return pg_cluster
