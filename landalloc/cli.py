"""The ``landalloc`` command line.

Every command lives in its own module (``landalloc/cmd_*.py``) that registers itself on the click
group; this module adds the global options and maps outcomes to the contract's exit codes:
0 done, 2 bad input or usage, 3 infeasible under locked decisions, 4 no solution in time,
1 internal error; ``rerun`` adds 5 (placements differ with the same versions) and 6 (placements
differ after a version change). No traceback is shown for user errors.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback

import click

from geodata.report import DataError
from landalloc import __version__
from landalloc.console import err_console, print_report, t
from optimizer.errors import InfeasibleError, NoSolutionError, VerificationError

HELP = """\
landalloc —— 开发区用地与载体（地块、标准厂房）配置优化工具。
Land and carrier allocation optimiser for development zones.

\b
把项目库中的项目按年度用地指标、产业集群准入和优先级分配到地块和标准厂房，
并检查"拿地即开工"条件，输出地图与报表。
Assigns pipeline projects to parcels and standard factories year by year under
land quotas, cluster zoning and priorities; checks "start on acquisition"
readiness; writes maps and reports.

\b
常用 / Typical use:
  landalloc validate geodata/demo.gpkg                 检查数据 / check the data
  landalloc solve scenarios/baseline.yaml --out out/b  求解 / solve a scenario
  landalloc COMMAND --help                             各命令说明 / help of a command

\b
退出码 / exit codes:
  0 完成 done · 2 输入有误 bad input · 3 锁定条件冲突 infeasible
  4 时限内无解 no solution in time · 1 内部错误 internal error
  rerun：5 版本相同而方案不同（缺陷）placements differ, same versions (a defect)
         6 版本已变化且方案不同 placements differ after a version change
  130/143 被 Ctrl-C / SIGTERM 中断，未写出结果 interrupted, nothing written
"""


@click.group(
    help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=lambda: os.environ.get("LANDALLOC_LANG", "zh"),
    show_default="zh",
    help="界面语言 / language of messages",
)
@click.version_option(
    __version__, "--version", prog_name="landalloc", help="显示版本 / show the version"
)
@click.pass_context
def app(ctx: click.Context, lang: str) -> None:
    """Root command group."""
    ctx.obj = {"lang": lang if lang in ("zh", "en") else "zh"}


def _register() -> None:
    from landalloc import cmd_data

    cmd_data.register(app)
    for name in (
        "cmd_import",
        "cmd_demo",
        "cmd_solve",
        "cmd_readiness",
        "cmd_map",
        "cmd_scenario",
        "cmd_sweep",
        "cmd_montecarlo",
        "serve",  # the workbench in the browser (landalloc.workbench)
    ):
        try:
            module = __import__(f"landalloc.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name == f"landalloc.{name}":
                continue
            raise
        module.register(app)


_register()


def _lang_from_argv(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return os.environ.get("LANDALLOC_LANG", "zh")


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interrupt so that a run cleans up as it does on Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


#: Exit codes of an interrupted run: 128 + the signal's number, as shells report it.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = _lang_from_argv(args)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(args, lang)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(args: list[str], lang: str) -> int:
    try:
        app.main(args=args, prog_name="landalloc", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click wraps Ctrl-C in Abort
            return _interrupted(exc.__cause__, lang)
        err_console.print(t(lang, "已中止", "aborted"))
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except DataError as exc:
        print_report(exc.report, lang)
        return 2
    except InfeasibleError as exc:
        err_console.print(
            t(
                lang,
                "锁定的决策无法同时满足，冲突的规则：",
                "locked decisions cannot all hold; conflicting rules:",
            )
        )
        for zh, en in exc.conflicts:
            err_console.print("  - " + t(lang, zh, en), markup=False)
        return 3
    except NoSolutionError as exc:
        err_console.print(
            t(
                lang,
                f"在时间限制内没有找到可行解：{exc}",
                f"no solution within the time limit: {exc}",
            ),
            markup=False,
        )
        return 4
    except VerificationError as exc:
        err_console.print(
            t(
                lang,
                "内部错误：独立校验发现结果违反硬性规则，未写出任何结果：",
                "internal error: the independent verifier found broken rules; nothing was written:",
            )
        )
        for v in exc.violations[:50]:
            err_console.print("  - " + v, markup=False)
        return 1
    except KeyboardInterrupt as exc:
        return _interrupted(exc, lang)
    except Exception as exc:
        cause = _interrupt_behind(exc)
        if cause is not None:  # e.g. an extension module whose import Ctrl-C cut short
            return _interrupted(cause, lang)
        err_console.print(
            t(
                lang,
                "内部错误（程序缺陷），请将以下信息报告给开发者：",
                "internal error (a bug); please report the following:",
            )
        )
        traceback.print_exc()
        return 1


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The interrupt that caused ``exc`` (an error raised while handling Ctrl-C), if any."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def _interrupted(exc: KeyboardInterrupt, lang: str) -> int:
    code = EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    err_console.print(
        t(
            lang,
            "已中断：没有写出新结果，原有结果（如有）保持不变",
            "interrupted: no new result was written; an existing result is unchanged",
        )
    )
    return code


def run() -> None:  # pragma: no cover - console script shim
    """Console-script entry: exit with :func:`main`'s code."""
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        # A CP-SAT search stopped from another thread can make the interpreter's own shutdown
        # abort (std::terminate, exit 134); everything is written and flushed, so leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
