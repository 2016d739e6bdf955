"""Input files the user names: refuse what would hang or mislead, before anything reads it.

Every loader calls :func:`check_input_file` before it opens a path the user gave (the data file
of ``validate``/``solve``/``readiness``, a scenario file, the inputs of ``import``, a readiness
rules file): a named pipe (FIFO), a directory, a device such as ``/dev/zero`` or a socket is
refused with a message naming the file, instead of blocking for ever or reading without end;
small text inputs (scenario and rules YAML) are also bounded in size.

YAML written by users is read with :class:`LimitedLoader` through :func:`load_yaml`: a
``yaml.SafeLoader`` that refuses aliases (``*name``, so "billion laughs" alias bombs cannot
expand), refuses nesting deeper than :data:`MAX_YAML_DEPTH` and reports every key written twice
in one mapping, at any level, with both lines (plain YAML silently keeps the last value).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from geodata.report import DataError, Report

#: Largest scenario or rules file read (bytes); real ones are a few kilobytes.
MAX_YAML_BYTES = 1_000_000
#: Deepest nesting of YAML collections accepted (scenario files need about 5 levels).
MAX_YAML_DEPTH = 40
#: The encoding tried when a YAML file is not UTF-8: GB18030, a superset of GBK, the default
#: of Chinese Windows (Notepad's "ANSI").
FALLBACK_ENCODING = "gb18030"

_KINDS: tuple[tuple[Any, str, str], ...] = (
    (stat.S_ISDIR, "文件夹", "a directory"),
    (stat.S_ISFIFO, "命名管道（FIFO）", "a named pipe (FIFO)"),
    (stat.S_ISCHR, "字符设备（如 /dev/zero）", "a character device (such as /dev/zero)"),
    (stat.S_ISBLK, "块设备", "a block device"),
    (stat.S_ISSOCK, "套接字（socket）", "a socket"),
)


def _kind(mode: int) -> tuple[str, str]:
    for test, zh, en in _KINDS:
        if test(mode):
            return zh, en
    return "特殊文件", "a special file"


def _not_regular(
    p: Path, mode: int, report: Report, what: tuple[str, str], where: dict[str, Any]
) -> None:
    kind_zh, kind_en = _kind(mode)
    report.error(
        "not_a_file",
        f"{p} 不是普通文件，而是{kind_zh}；为避免程序挂起，未读取",
        f"{p} is not a regular file but {kind_en}; it was not read (reading it could hang)",
        hint_zh=f"{what[0]}的路径，例如 data.gpkg 或 scenario.yaml",
        hint_en=f"the path of a {what[1]}, e.g. data.gpkg or scenario.yaml",
        **where,
    )


def check_input_file(
    path: str | Path,
    report: Report,
    *,
    what: tuple[str, str] = ("文件", "file"),
    max_bytes: int | None = None,
    allow_dir: bool = False,
    **where: Any,
) -> bool:
    """Check that ``path`` is a regular file (not a FIFO, directory or device) before reading it.

    Parameters
    ----------
    path
        The path as the user gave it (symbolic links are followed).
    report
        Receives one error when the path cannot be read: ``no_file``, ``not_a_file``,
        ``file_too_large`` or ``unreadable``.
    what
        What the file is, in Chinese and English, for messages (e.g. ``("情景文件",
        "scenario file")``).
    max_bytes
        Refuse files larger than this.
    allow_dir
        Accept a directory (a FileGDB ``.gdb`` folder).
    **where
        Location fields of the problem (``file`` defaults to the path; ``layer``).

    Returns
    -------
    bool
        True when the path may be opened.
    """
    p = Path(path)
    where.setdefault("file", str(p))
    zh_what, en_what = what
    try:
        st = os.stat(p)
    except FileNotFoundError:
        report.error("no_file", f"找不到{zh_what} {p}", f"{en_what} not found: {p}", **where)
        return False
    except (OSError, ValueError) as exc:  # permissions, a name too long, a NUL byte …
        report.error(
            "unreadable",
            f"无法读取{zh_what} {p}：{exc}",
            f"cannot read {en_what} {p}: {exc}",
            **where,
        )
        return False
    if allow_dir and stat.S_ISDIR(st.st_mode):
        return True
    if not stat.S_ISREG(st.st_mode):
        _not_regular(p, st.st_mode, report, what, where)
        return False
    if max_bytes is not None and st.st_size > max_bytes:
        report.error(
            "file_too_large",
            f"{zh_what}过大：{st.st_size:,} 字节，上限 {max_bytes:,} 字节",
            f"{en_what} too large: {st.st_size:,} bytes, the limit is {max_bytes:,}",
            hint_zh=f"不超过 {max_bytes:,} 字节的{zh_what}（是否选错了文件？）",
            hint_en=f"a {en_what} of at most {max_bytes:,} bytes (is it the right file?)",
            **where,
        )
        return False
    return True


def require_input_file(path: str | Path, **kwargs: Any) -> None:
    """:func:`check_input_file`, raising :class:`DataError` when the path may not be opened."""
    report = Report()
    if not check_input_file(path, report, **kwargs):
        raise DataError(report)


def read_small_file(
    path: str | Path,
    report: Report,
    *,
    what: tuple[str, str] = ("文件", "file"),
    max_bytes: int = MAX_YAML_BYTES,
) -> bytes | None:
    """The bytes of a small regular file, or ``None`` after reporting why it was not read.

    The file is checked with :func:`check_input_file`, then opened without blocking and checked
    again on the open descriptor (a path swapped for a FIFO in between is refused too), and at
    most ``max_bytes`` bytes are read.
    """
    p = Path(path)
    if not check_input_file(p, report, what=what, max_bytes=max_bytes):
        return None
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        report.error(
            "unreadable",
            f"无法读取{what[0]} {p}：{exc}",
            f"cannot read {what[1]} {p}: {exc}",
            file=str(p),
        )
        return None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced by a FIFO or the like since the check
            _not_regular(p, mode, report, what, {"file": str(p)})
            return None
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        report.error(
            "file_too_large",
            f"{what[0]}过大：超过 {max_bytes:,} 字节",
            f"{what[1]} too large: more than {max_bytes:,} bytes",
            file=str(p),
        )
        return None
    return data


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Text of a user-written file: UTF-8 (with or without BOM), else GB18030 (GBK).

    Returns
    -------
    tuple of (str, str or None)
        The text and ``None`` when it was UTF-8, or the fallback encoding used.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are neither UTF-8 nor GB18030.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode" (UTF-16 with BOM)
        return data.decode("utf-16"), "utf-16"
    return data.decode(FALLBACK_ENCODING), FALLBACK_ENCODING


# --------------------------------------------------------------------------- YAML


class YamlAliasError(yaml.composer.ComposerError):
    """An alias (``*name``) in a file where aliases are refused."""


class YamlDepthError(yaml.composer.ComposerError):
    """Collections nested deeper than :data:`MAX_YAML_DEPTH`."""


class LimitedLoader(yaml.SafeLoader):
    """A ``yaml.SafeLoader`` for files users write: no aliases, bounded depth, duplicate keys noted.

    Anchors (``&name``) are harmless alone and accepted; every alias is refused when the
    document is composed, before anything is expanded. Keys written twice in one mapping are
    collected in :attr:`duplicates` as ``(mapping node, key, first key node, repeated key node)``
    while constructing (the last value is kept, as PyYAML does); :func:`load_yaml` reports them.
    """

    max_depth = MAX_YAML_DEPTH

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self.duplicates: list[tuple[yaml.Node, Any, yaml.Node, yaml.Node]] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Refuse aliases and too deep nesting; otherwise compose as usual."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlAliasError(
                None,
                None,
                f"found alias *{event.anchor}: anchors and aliases (&name, *name) are not allowed",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise YamlDepthError(
                    None,
                    None,
                    f"collections nested deeper than {self.max_depth} levels",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """The mapping, noting every key given twice (compared as constructed values)."""
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # cached: built once
            try:
                first = seen.setdefault((type(key), key), key_node)  # 1 and true differ
            except TypeError:  # unhashable keys were refused by the base class already
                continue
            if first is not key_node:
                self.duplicates.append((node, key, first, key_node))
        return mapping


def _paths(root: yaml.Node) -> dict[int, tuple[Any, ...]]:
    """The key path of every mapping node under ``root`` (keys as written, list positions)."""
    out: dict[int, tuple[Any, ...]] = {}
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            out[id(node)] = path
            for k, v in node.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else "?"
                stack.append((v, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, (*path, i)))
    return out


def load_yaml(
    text: str,
    report: Report,
    *,
    file: str,
    loader: type[LimitedLoader] = LimitedLoader,
) -> tuple[Any, yaml.Node | None] | None:
    """Parse user-written YAML with ``loader``; report every problem with its line.

    Parameters
    ----------
    text
        The decoded file.
    report
        Receives ``bad_yaml`` (syntax, constructor), ``yaml_alias``, ``yaml_depth`` and one
        ``duplicate_key`` error per key written twice (naming the key and both lines).
    file
        The file name for messages.
    loader
        :class:`LimitedLoader` or a subclass.

    Returns
    -------
    tuple or None
        ``(data, root node)`` (``(None, None)`` for an empty document), or ``None`` when the
        YAML could not be read at all. With duplicate keys the data holds the last values and
        ``report`` the errors.
    """
    ld = loader(text)
    try:
        node = ld.get_single_node()
        data = ld.construct_document(node) if node is not None else None
    except YamlAliasError as exc:
        mark = exc.problem_mark
        report.error(
            "yaml_alias",
            "不支持 YAML 锚点与别名（&名称、*名称）：请把内容直接写出",
            "YAML anchors and aliases (&name, *name) are not supported: write the values out",
            file=file,
            row=mark.line + 1 if mark else None,
            column=f"{mark.column + 1}" if mark else None,
        )
        return None
    except YamlDepthError as exc:
        mark = exc.problem_mark
        report.error(
            "yaml_depth",
            f"YAML 嵌套超过 {ld.max_depth} 层",
            f"YAML nested deeper than {ld.max_depth} levels",
            file=file,
            row=mark.line + 1 if mark else None,
            column=f"{mark.column + 1}" if mark else None,
        )
        return None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        mark = getattr(exc, "problem_mark", None)
        report.error(
            "bad_yaml",
            f"YAML 格式错误：{exc}",
            f"YAML syntax error: {exc}",
            file=file,
            row=mark.line + 1 if mark else None,
        )
        return None
    finally:
        ld.dispose()
    if node is not None and ld.duplicates:
        paths = _paths(node)
        for mapping, key, first, again in ld.duplicates:
            dotted = ".".join(str(k) for k in (*paths.get(id(mapping), ()), key))
            a, b = first.start_mark.line + 1, again.start_mark.line + 1
            report.error(
                "duplicate_key",
                f"键 {dotted} 写了两次：第 {a} 行和第 {b} 行（YAML 只会保留后一个值）",
                f"key {dotted} is given twice, on lines {a} and {b} (YAML would silently keep "
                "the last value)",
                file=file,
                row=b,
                column=dotted,
                hint_zh=f"只保留一个 {key}",
                hint_en=f"keep one {key}",
            )
    return data, node
