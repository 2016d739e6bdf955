"""The workspace folder of the workbench: where each kind of file lives, and safe names.

Layout::

    WORKSPACE/
      data/NAME.gpkg          validated GeoPackages (nothing lands here before it validates)
      scenarios/NAME.yaml     scenario files, the same YAML as the CLI's (data: ../data/NAME.gpkg)
      results/NAME/           result folders of ``landalloc solve`` (NAME = the scenario's file)
      compare/NAME/           comparison folders of ``landalloc compare``
      jobs/ID/                one background job: job.json, state.json, log.txt
      .tmp/                   uploads being checked

Every name that comes from a request goes through :func:`safe_name`, so that no request can
reach outside its folder (``../``, slashes, hidden names are refused).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.store import atomic_path

#: A file or folder name: letters (Chinese too), digits, ``_ - . ( )`` and inner spaces.
_NAME = re.compile(r"^[\w（）()][\w（）() .\-]{0,79}$")


class BadInput(Exception):
    """A request that cannot be served, with its message in Chinese and in English.

    Parameters
    ----------
    zh, en
        The message.
    status
        The HTTP status to answer with.
    """

    def __init__(self, zh: str, en: str, status: int = 400) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.status = status


def safe_name(name: object, what: tuple[str, str] = ("名称", "name")) -> str:
    """``name`` when it is a plain file name, else :class:`BadInput`.

    Parameters
    ----------
    name
        The name as received.
    what
        What the name is (Chinese, English), for the message.

    Returns
    -------
    str
        The name, stripped.
    """
    text = str(name or "").strip()
    if not text or ".." in text or not _NAME.match(text) or text.endswith("."):
        raise BadInput(
            f"{what[0]}「{text[:80]}」不可用：只能包含中英文字母、数字、空格和 _ - . ( )，"
            "不能包含 / \\ 或 ..",
            f"{what[1]} '{text[:80]}' cannot be used: only letters, digits, spaces and _ - . ( ) "
            "are allowed, no / \\ or ..",
        )
    return text


def stem_of(text: str) -> str:
    """A safe file stem made from free text (a scenario's name): other characters become ``_``."""
    stem = re.sub(r"[^\w（）() .\-]", "_", text.strip())[:80].strip(" .") or "scenario"
    stem = stem.replace("..", "_")
    return stem if _NAME.match(stem) else "scenario"


@dataclass(frozen=True)
class Workspace:
    """The folders of one workspace."""

    root: Path

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Create the folders when missing and return the workspace."""
        ws = cls(root.resolve())
        for d in (ws.data, ws.scenarios, ws.results, ws.compares, ws.jobs, ws.tmp):
            d.mkdir(parents=True, exist_ok=True)
        return ws

    @property
    def data(self) -> Path:
        """Validated GeoPackages."""
        return self.root / "data"

    @property
    def scenarios(self) -> Path:
        """Scenario files."""
        return self.root / "scenarios"

    @property
    def results(self) -> Path:
        """Result folders."""
        return self.root / "results"

    @property
    def compares(self) -> Path:
        """Comparison folders."""
        return self.root / "compare"

    @property
    def jobs(self) -> Path:
        """Job folders."""
        return self.root / "jobs"

    @property
    def tmp(self) -> Path:
        """Uploads being checked."""
        return self.root / ".tmp"

    def data_file(self, name: str) -> Path:
        """The data file ``name`` (with or without ``.gpkg``)."""
        stem = safe_name(name.removesuffix(".gpkg"), ("数据名称", "data name"))
        return self.data / f"{stem}.gpkg"

    def scenario_file(self, name: str) -> Path:
        """The scenario file ``name`` (with or without ``.yaml``)."""
        stem = safe_name(name.removesuffix(".yaml"), ("情景文件名", "scenario file name"))
        return self.scenarios / f"{stem}.yaml"

    def result_dir(self, name: str) -> Path:
        """The result folder of the scenario file ``name``."""
        return self.results / safe_name(name, ("结果名称", "result name"))

    def compare_dir(self, name: str) -> Path:
        """The comparison folder ``name``."""
        return self.compares / safe_name(name, ("比较名称", "comparison name"))

    def inside_data(self, path: Path) -> str | None:
        """The name of a workspace data file that ``path`` is, or ``None``."""
        try:
            p = path.resolve()
        except OSError:
            return None
        if p.parent == self.data.resolve() and p.suffix == ".gpkg":
            return p.stem
        return None


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON, atomically (readers never see half a file)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or ``None`` when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
