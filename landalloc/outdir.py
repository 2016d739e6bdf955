"""Result folders that never destroy anything: checks, a lock, and an atomic replacement.

A result folder carries a marker file (:data:`MARKER`) that landalloc writes. ``--overwrite``
replaces only a folder with that marker; anything else (a folder of the user's, a file, the
current folder, a folder holding an input of the run) is refused before any data is loaded.

Writing goes through :class:`ResultWriter`:

1. :func:`check_target` collects every reason to refuse the output place into one report
   (exit 2), with no side effect;
2. the output is locked (``fcntl.flock`` on a hidden lock file beside it): a second run into
   the same place is refused, naming the running one;
3. left-overs of a run that was killed (hidden ``.NAME.landalloc-tmp-*`` folders holding the
   marker) are removed;
4. the new result is written into a hidden temporary folder beside the target, which is then
   swapped with the old one in one ``renameat2(RENAME_EXCHANGE)`` call on Linux, so the target
   always holds either the complete old result or the complete new one. Where the exchange is not
   available, two renames are used and an interrupted swap is repaired by the next run.

An interrupt (Ctrl-C, SIGTERM) before the swap leaves the old result as it was and removes the
temporary folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from geodata.report import DataError, Report

#: The marker file of a landalloc result (or comparison) folder.
MARKER = ".landalloc.json"
_TMP = "landalloc-tmp"
_OLD = "landalloc-old"
_LOCK = "landalloc-lock"


def is_landalloc_folder(path: Path, kind: str | None = None) -> bool:
    """Whether ``path`` is a folder that landalloc wrote (optionally of the given kind)."""
    marker = path / MARKER
    if not path.is_dir() or not marker.is_file():
        return False
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or data.get("tool") != "landalloc":
        return False
    return kind is None or data.get("kind") == kind


def write_marker(folder: Path, kind: str, **extra: Any) -> None:
    """Write the marker that makes ``folder`` recognisable as landalloc's."""
    from landalloc import __version__

    payload = {
        "tool": "landalloc",
        "kind": kind,
        "version": __version__,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        **extra,
    }
    (folder / MARKER).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def _resolve(p: Path) -> Path:
    return Path(os.path.abspath(p)).resolve()


def _existing_ancestor(p: Path) -> Path:
    q = p
    while not q.exists() and q != q.parent:
        q = q.parent
    return q


def check_target(
    out: Path,
    *,
    inputs: Sequence[Path] = (),
    overwrite: bool = False,
    kind: str = "result",
) -> None:
    """Refuse an output place that a run must not write, before any data is loaded.

    Parameters
    ----------
    out
        The result folder asked for (``--out``).
    inputs
        The run's input files (scenario, data); the output may neither be one nor hold one.
    overwrite
        Whether an existing landalloc folder of this ``kind`` may be replaced.
    kind
        ``result`` (a solve) or ``compare`` (a comparison folder, which is reused, not replaced).

    Raises
    ------
    DataError
        Every reason at once (code ``output_*``), naming the place.
    """
    r = Report()
    target = _resolve(out)
    _check_place(out, target, inputs, r)
    if target.exists() and not target.is_dir():
        r.error(
            "output_not_folder",
            f"输出 {out} 是一个文件而不是结果目录，landalloc 不会覆盖它",
            f"output {out} is a file, not a result folder; landalloc will not replace it",
            hint_zh="另选一个输出目录",
            hint_en="choose another output folder",
            file=str(out),
        )
    elif target.is_dir() and not r.errors:
        _check_existing(out, target, overwrite, kind, r)
    if not r.errors:
        _check_writable(out, target, r)
    r.raise_if_errors()


def _check_place(out: Path, target: Path, inputs: Sequence[Path], r: Report) -> None:
    """The output may be neither the current folder (or above it) nor an input (or hold one)."""
    cwd = _resolve(Path.cwd())
    if target == cwd or target in cwd.parents:
        r.error(
            "output_holds_cwd",
            f"输出目录 {out} 是当前目录或其上级目录，不能用作结果目录",
            f"output folder {out} is the current folder or above it; it cannot be a result folder",
            hint_zh="用 --out 指定一个新的子目录，例如 out/结果1",
            hint_en="give --out a new sub-folder, for example out/run1",
            file=str(out),
        )
    for i in inputs:
        ri = _resolve(Path(i))
        if ri == target or target in ri.parents:
            r.error(
                "output_holds_input",
                f"输出 {out} 即本次运行的输入或包含输入文件 {i}，landalloc 不会覆盖或删除它",
                f"output {out} is, or holds, the run's input {i}; landalloc will not replace "
                "or delete it",
                hint_zh="另选一个输出目录",
                hint_en="choose another output folder",
                file=str(out),
            )


def _check_existing(out: Path, target: Path, overwrite: bool, kind: str, r: Report) -> None:
    """An existing folder: empty, or landalloc's of this kind (a result only with overwrite)."""
    where = {"file": str(out)}
    try:
        empty = not any(target.iterdir())
    except OSError as exc:
        empty = False
        r.error(
            "output_unreadable",
            f"无法读取输出目录 {out}：{exc.strerror}",
            f"cannot read output folder {out}: {exc.strerror}",
            **where,
        )
    if empty:
        return
    if not is_landalloc_folder(target):
        r.error(
            "output_not_result",
            f"输出目录 {out} 已存在且不是 landalloc 的结果目录（缺少标记文件 {MARKER}），"
            "为保护其中的文件，landalloc 不会写入或覆盖它",
            f"output folder {out} exists and is not a landalloc result folder (no {MARKER} "
            "marker); to protect its files landalloc will not write into or replace it",
            hint_zh="另选一个新的输出目录",
            hint_en="choose a new output folder",
            **where,
        )
    elif kind == "result" and not overwrite:
        r.error(
            "output_exists",
            f"结果目录 {out} 已存在；如需覆盖请加 --overwrite",
            f"result folder {out} exists; pass --overwrite to replace it",
            **where,
        )
    elif not is_landalloc_folder(target, kind):
        r.error(
            "output_other_kind",
            f"输出目录 {out} 是另一种 landalloc 输出，不能用作{_kind_zh(kind)}目录",
            f"output folder {out} holds another kind of landalloc output, not a {kind}",
            hint_zh="另选一个输出目录",
            hint_en="choose another output folder",
            **where,
        )


def _kind_zh(kind: str) -> str:
    return {"result": "结果", "compare": "情景比较"}.get(kind, kind)


def _check_writable(out: Path, target: Path, r: Report) -> None:
    place = _existing_ancestor(target.parent)
    problem = None
    if not place.is_dir():
        problem = "not a folder"
    else:
        try:
            d = tempfile.mkdtemp(prefix=f".{target.name}.{_TMP}-check-", dir=place)
            os.rmdir(d)
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem is not None:
        r.error(
            "output_unwritable",
            f"无法在 {place} 中写入结果（{problem}）",
            f"cannot write the result into {place} ({problem})",
            hint_zh="检查该目录的写权限，或另选输出目录",
            hint_en="check the folder's permissions, or choose another output folder",
            file=str(out),
        )


# --------------------------------------------------------------------------- lock


class OutputLock:
    """An exclusive lock on an output place, held by this process while it writes there."""

    def __init__(self, out: Path) -> None:
        target = _resolve(out)
        self.path = target.parent / f".{target.name}.{_LOCK}"
        self.out = out
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`DataError` naming the process that holds it."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                fh.seek(0)
                holder = fh.read().strip() or "?"
                fh.close()
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                self._busy(holder)
            # the holder before us may have removed the file after we opened it: then retry
            try:
                same = os.fstat(fh.fileno()).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            fh.close()
        fh.seek(0)
        fh.truncate()
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        fh.write(f"PID {os.getpid()}, {started}: {' '.join(sys.argv)}")
        fh.flush()
        self._fh = fh

    def _busy(self, holder: str) -> None:
        r = Report()
        r.error(
            "output_locked",
            f"另一个 landalloc 运行正在写入 {self.out}（{holder}）；请等它结束，或另选输出目录",
            f"another landalloc run is writing {self.out} ({holder}); wait for it to end, "
            "or choose another output folder",
            file=str(self.out),
        )
        raise DataError(r)

    def release(self) -> None:
        """Remove the lock file and let go of the lock."""
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._fh.close()
        self._fh = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# --------------------------------------------------------------------------- replacing


def _renameat2_exchange() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call; ``False`` when the system cannot."""
    fn = _renameat2_exchange()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _leftovers(target: Path) -> list[Path]:
    parent = target.parent
    if not parent.is_dir():
        return []
    found = []
    for tag in (_TMP, _OLD):
        found += sorted(parent.glob(f".{target.name}.{tag}-*"))
    return [p for p in found if p.is_dir() and "-check-" not in p.name]


def clean_stale(target: Path) -> list[Path]:
    """Remove what an interrupted run left beside ``target``; call it while holding the lock.

    Only hidden folders named after ``target`` that hold the landalloc marker (or are empty) are
    removed. When a swap by two renames was cut between them (no ``target``, an old result left
    aside), the old result is put back first.
    """
    target = _resolve(target)
    removed = []
    if not target.exists():
        olds = [p for p in _leftovers(target) if f".{_OLD}-" in p.name and is_landalloc_folder(p)]
        if olds:
            newest = max(olds, key=lambda p: p.stat().st_mtime)
            newest.rename(target)
    for p in _leftovers(target):
        if is_landalloc_folder(p) or not any(p.iterdir()):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextlib.contextmanager
def replacing(target: Path, kind: str = "result") -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` atomically.

    The caller holds the :class:`OutputLock`. The folder already holds the marker. When the
    body raises (or is interrupted), the temporary folder is removed and ``target`` is untouched.
    """
    target = _resolve(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_TMP}-", dir=target.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a result folder is for sharing
        write_marker(tmp, kind)
        yield tmp
        if not target.exists():
            tmp.rename(target)
        elif exchange(tmp, target):
            pass  # tmp now holds the old result, removed below
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_OLD}-", dir=target.parent))
            old.rmdir()
            target.rename(old)
            tmp.rename(target)
            _remove(old)
    finally:
        if tmp.exists():
            _remove(tmp)


def _remove(path: Path) -> None:
    """Remove a folder completely even when Ctrl-C or SIGTERM arrives meanwhile; the interrupt
    is raised again once the folder is gone (a half-removed folder would be left otherwise)."""
    interrupted: BaseException | None = None
    while True:
        try:
            shutil.rmtree(path, ignore_errors=True)
            break
        except (KeyboardInterrupt, SystemExit) as exc:  # finish first, then stop
            interrupted = exc
    if interrupted is not None:
        raise interrupted
