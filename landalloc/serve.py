"""``landalloc serve``: the planner's workbench in the browser (:mod:`landalloc.workbench`)."""

from __future__ import annotations

import ipaddress
import secrets
import shutil
from importlib import resources
from pathlib import Path

import click

from landalloc.console import lang_of, out_console, t


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def seed_demo(workspace: Path) -> bool:
    """Put the demo data and its baseline scenario into an empty workspace; whether it did."""
    from landalloc.cmd_scenario import new_scenario_text
    from landalloc.workbench.data import data_info
    from landalloc.workbench.workspace import Workspace

    ws = Workspace.open(workspace)
    if any(ws.data.glob("*.gpkg")):
        return False
    target = ws.data / "demo.gpkg"
    with resources.as_file(resources.files("geodata").joinpath("demo.gpkg")) as demo:
        shutil.copyfile(demo, target)
    years = data_info(target)["years"]
    text = new_scenario_text("基准情景", "../data/demo.gpkg", years)
    (ws.scenarios / "baseline.yaml").write_text(text, encoding="utf-8")
    return True


def register(app: click.Group) -> None:
    """Add ``serve`` to the app."""

    @app.command(
        "serve",
        help="启动本机网页工作台：上传数据、编辑情景、后台求解、查看地图与原因、比较 / start the "
        "workbench in the browser: data, scenario editor, background solves, results, compare",
    )
    @click.option(
        "--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口 / port"
    )
    @click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="监听地址；非本机地址时需要访问令牌 / address to listen on; other than this machine's "
        "it requires a token",
    )
    @click.option(
        "--workspace",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("landalloc-workspace"),
        show_default=True,
        help="工作区目录，所有数据、情景、结果都保存在这里 / the folder that keeps everything",
    )
    @click.option(
        "--jobs",
        "max_running",
        type=click.IntRange(1, 64),
        default=2,
        show_default=True,
        help="同时运行的求解作业数，其余排队 / solves run at once; the others queue",
    )
    @click.option("--token", help="访问令牌（--host 时默认随机生成）/ access token")
    @click.option(
        "--max-upload-mb",
        type=click.IntRange(1, 100_000),
        default=512,
        show_default=True,
        help="上传文件大小上限（MB）/ the largest upload accepted (MB)",
    )
    @click.option(
        "--demo", is_flag=True, help="空工作区时放入示例数据与基准情景 / seed the demo data"
    )
    @click.pass_context
    def serve_cmd(
        ctx: click.Context,
        port: int,
        host: str,
        workspace: Path,
        max_running: int,
        token: str | None,
        max_upload_mb: int,
        demo: bool,
    ) -> None:
        import uvicorn

        from landalloc.workbench.app import create_app

        lang = lang_of(ctx)
        if not is_loopback(host) and not token:
            token = secrets.token_urlsafe(18)
        if demo and seed_demo(workspace):
            out_console.print(t(lang, "已放入示例数据", "demo data added"), markup=False)
        app_ = create_app(
            workspace, max_running=max_running, token=token, max_upload=max_upload_mb << 20
        )
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
        out_console.print(
            t(
                lang,
                f"landalloc 工作台：请在浏览器中打开 {url}（工作区 {workspace.resolve()}；Ctrl-C 停止）",
                f"landalloc workbench: open {url} in a browser (workspace {workspace.resolve()}; "
                "Ctrl-C stops)",
            ),
            markup=False,
            soft_wrap=True,
        )
        uvicorn.run(app_, host=host, port=port, log_level="warning")
