"""The workbench's web application (Starlette): the page, its JSON API and the result files.

Every endpoint that takes input answers bad input with a JSON error in Chinese and English
(``error_zh``, ``error_en``) or a table of problems (``problems``), never a traceback page.
Uploads are sent as the request body (no multipart), streamed into the workspace's ``.tmp``
folder under a size limit, and kept only once they validate. With a token (``landalloc serve
--host``), every request must carry it: ``?token=`` once (it is then kept in a cookie), the
cookie, or the ``X-Landalloc-Token`` header.
"""

from __future__ import annotations

import hmac
import traceback
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from landalloc.workbench import data as data_mod
from landalloc.workbench import results, scenarios
from landalloc.workbench.jobs import FINAL, JobManager
from landalloc.workbench.workspace import BadInput, Workspace, safe_name, stem_of

STATIC = Path(__file__).resolve().parent / "static"
#: The largest scenario YAML accepted by the import (bytes).
MAX_YAML_UPLOAD = 1024 * 1024
#: The longest time limit a job may ask for (seconds).
MAX_TIME_LIMIT_S = 24 * 3600.0

Handler = Callable[[Request], Awaitable[Any]]


def _error(zh: str, en: str, status: int) -> JSONResponse:
    return JSONResponse({"error_zh": zh, "error_en": en}, status_code=status)


def api(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint returning JSON, whose errors are answers, never traceback pages."""

    async def endpoint(request: Request) -> Response:
        try:
            out = await fn(request)
        except BadInput as exc:
            return _error(exc.zh, exc.en, exc.status)
        except scenarios.ScenarioProblems as exc:
            return JSONResponse(
                {
                    "error_zh": "情景有误，见下表",
                    "error_en": "the scenario has problems; see the table",
                    "problems": exc.rows,
                },
                status_code=422,
            )
        except Exception as exc:  # a bug: say so, log it, no traceback page
            traceback.print_exc()
            return _error(f"内部错误：{exc!r}", f"internal error: {exc!r}", 500)
        return out if isinstance(out, Response) else JSONResponse(out)

    return endpoint


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except Exception:
        raise BadInput("请求内容不是有效的 JSON", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("请求内容应为 JSON 对象", "the request body must be a JSON object")
    return body


async def _stream_to(request: Request, path: Path, limit: int) -> None:
    """Write the request body into ``path``, refusing more than ``limit`` bytes."""
    size = int(request.headers.get("content-length") or 0)
    if size > limit:
        raise data_mod.too_large(limit)
    n = 0
    with path.open("wb") as f:
        async for chunk in request.stream():
            n += len(chunk)
            if n > limit:
                raise data_mod.too_large(limit)
            f.write(chunk)


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


def _jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


# --------------------------------------------------------------------------- data


async def list_data(request: Request) -> Any:
    ws = _ws(request)
    paths = sorted(ws.data.glob("*.gpkg"))
    return await run_in_threadpool(lambda: [data_mod.data_info(p) for p in paths])


async def upload_data(request: Request) -> Any:
    ws = _ws(request)
    filename = request.query_params.get("filename", "")
    replace = request.query_params.get("replace") in ("1", "true")
    tmp = data_mod.new_upload(ws, ".gpkg")
    try:
        await _stream_to(request, tmp, request.app.state.max_upload)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    out = await run_in_threadpool(data_mod.accept_gpkg, ws, filename, tmp, replace=replace)
    return out if out["ok"] else JSONResponse(out, status_code=422)


async def templates(request: Request) -> Any:
    content = await run_in_threadpool(data_mod.templates_zip)
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''import-templates.zip"},
    )


# --------------------------------------------------------------------------- scenarios


async def list_scenarios(request: Request) -> Any:
    return await run_in_threadpool(scenarios.list_scenarios, _ws(request))


async def get_scenario(request: Request) -> Any:
    return await run_in_threadpool(
        scenarios.open_scenario, _ws(request), request.path_params["file"]
    )


async def save_scenario(request: Request) -> Any:
    body = await _json_body(request)
    if not isinstance(body.get("scenario"), dict):
        raise BadInput("缺少情景内容", "the scenario is missing")
    return await run_in_threadpool(
        scenarios.save_scenario,
        _ws(request),
        request.path_params["file"],
        body["scenario"],
        str(body.get("data_name") or ""),
    )


async def new_scenario(request: Request) -> Any:
    body = await _json_body(request)
    name = str(body.get("name") or "新情景")[:200]
    data_name = str(body.get("data_name") or "")
    return await run_in_threadpool(scenarios.new_scenario, _ws(request), data_name, name)


async def import_scenario(request: Request) -> Any:
    ws = _ws(request)
    filename = request.query_params.get("filename", "scenario.yaml")
    if not filename.lower().endswith((".yaml", ".yml")):
        raise BadInput("请上传情景文件（.yaml）", "upload a scenario file (.yaml)")
    tmp = data_mod.new_upload(ws, ".yaml")
    try:
        await _stream_to(request, tmp, MAX_YAML_UPLOAD)
        content = tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return await run_in_threadpool(scenarios.imported_scenario, ws, filename, content)


# --------------------------------------------------------------------------- jobs


def _time_limit(body: dict[str, Any]) -> float | None:
    t = body.get("time_limit_s")
    if t in (None, ""):
        return None
    try:
        value = float(t)
    except (TypeError, ValueError):
        value = -1.0
    if not 0 < value <= MAX_TIME_LIMIT_S:
        raise BadInput(
            f"求解时限应为 0 到 {MAX_TIME_LIMIT_S:.0f} 秒之间的数",
            f"the time limit must be a number of seconds in (0, {MAX_TIME_LIMIT_S:.0f}]",
        )
    return value


def _submit_solve(ws: Workspace, jobs: JobManager, body: dict[str, Any]) -> dict[str, Any]:
    path = ws.scenario_file(str(body.get("scenario") or ""))
    if not path.is_file():
        raise BadInput(f"没有情景文件 {path.name}", f"no scenario file {path.name}", 404)
    info = scenarios.open_scenario(ws, path.stem)  # problems: 422 before anything runs
    if jobs.active("solve", "scenario", path.stem):
        raise BadInput(
            f"情景 {path.stem} 正在求解或排队中", f"scenario {path.stem} is already running", 409
        )
    limit = _time_limit(body)
    params = {
        "scenario": path.stem,
        "scenario_path": str(path),
        "out": str(ws.result_dir(path.stem)),
        "time_limit_s": limit,
        "limit_s": limit or info["scenario"]["solver"]["time_limit_s"],
        "lang": "en" if body.get("lang") == "en" else "zh",
    }
    return {"id": jobs.submit("solve", params, info["scenario"]["name"])}


def _submit_compare(ws: Workspace, jobs: JobManager, body: dict[str, Any]) -> dict[str, Any]:
    names = body.get("results")
    if not isinstance(names, list) or len(names) < 2:
        raise BadInput("请选择至少两个结果进行比较", "pick at least two results to compare")
    paths = []
    for n in names:
        folder = ws.result_dir(str(n))
        scen = ws.scenarios / f"{folder.name}.yaml"
        if not scen.is_file():
            scen = folder / "scenario.yaml"  # the scenario as run
        if not scen.is_file():
            raise BadInput(
                f"结果 {folder.name} 没有情景文件", f"result {folder.name} has no scenario"
            )
        paths.append(str(scen))
    out = ws.compare_dir(stem_of("_vs_".join(safe_name(str(n)) for n in names))[:80])
    if jobs.active("compare", "out", str(out)):
        raise BadInput("同一比较正在进行中", "the same comparison is already running", 409)
    limit = _time_limit(body)
    params = {
        "results": [str(n) for n in names],
        "scenario_paths": paths,
        "out": str(out),
        "time_limit_s": limit,
        "limit_s": limit,
        "lang": "en" if body.get("lang") == "en" else "zh",
    }
    return {"id": jobs.submit("compare", params, " ↔ ".join(map(str, names)))}


async def submit_job(request: Request) -> Any:
    body = await _json_body(request)
    ws, jobs = _ws(request), _jobs(request)
    kind = body.get("kind")
    if kind == "solve":
        return await run_in_threadpool(_submit_solve, ws, jobs, body)
    if kind == "compare":
        return await run_in_threadpool(_submit_compare, ws, jobs, body)
    raise BadInput("作业类型应为 solve 或 compare", "the job kind must be solve or compare")


async def list_jobs(request: Request) -> Any:
    return await run_in_threadpool(_jobs(request).list)


async def get_job(request: Request) -> Any:
    return await run_in_threadpool(_jobs(request).get, request.path_params["job"])


async def job_log(request: Request) -> Any:
    text = await run_in_threadpool(_jobs(request).log, request.path_params["job"])
    return Response(text, media_type="text/plain; charset=utf-8")


async def cancel_job(request: Request) -> Any:
    return await run_in_threadpool(_jobs(request).cancel, request.path_params["job"])


# --------------------------------------------------------------------------- results


async def list_results(request: Request) -> Any:
    return await run_in_threadpool(results.list_results, _ws(request))


async def get_result(request: Request) -> Any:
    return await run_in_threadpool(results.result_detail, _ws(request), request.path_params["name"])


async def list_compares(request: Request) -> Any:
    return await run_in_threadpool(results.list_compares, _ws(request))


async def get_compare(request: Request) -> Any:
    return await run_in_threadpool(
        results.compare_detail, _ws(request), request.path_params["name"]
    )


async def get_file(request: Request) -> Any:
    p = request.path_params
    path, media = results.file_of(_ws(request), p["kind"], p["name"], p["file"])
    inline = p["file"].endswith(".html") and request.query_params.get("download") != "1"
    return FileResponse(path, media_type=media, filename=None if inline else path.name)


async def index(request: Request) -> Response:
    response = FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")
    token = request.app.state.token
    if token and request.query_params.get("token") == token:
        response.set_cookie("landalloc_token", token, httponly=True, samesite="strict")
    return response


async def health(request: Request) -> Any:
    jobs = await run_in_threadpool(_jobs(request).list)
    running = sum(1 for j in jobs if j["state"].get("status") not in FINAL)
    return {"ok": True, "workspace": str(_ws(request).root), "active_jobs": running}


class TokenCheck(BaseHTTPMiddleware):
    """Every request must carry the token when one is set (``landalloc serve --host``)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = request.app.state.token
        if token:
            given = (
                request.query_params.get("token")
                or request.cookies.get("landalloc_token")
                or request.headers.get("x-landalloc-token")
                or ""
            )
            if not hmac.compare_digest(given.encode(), token.encode()):
                return _error(
                    "需要访问令牌：请使用启动时显示的完整网址（含 ?token=）",
                    "a token is needed: open the full address printed at start (with ?token=)",
                    401,
                )
        return await call_next(request)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error("没有这个页面或接口", "no such page or endpoint", 404)


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(f"内部错误：{exc!r}", f"internal error: {exc!r}", 500)


def _routes() -> list[Route | Mount]:
    r = Route
    return [
        r("/", index),
        r("/api/health", api(health)),
        r("/api/data", api(list_data)),
        r("/api/data", api(upload_data), methods=["POST"]),
        r("/api/templates.zip", api(templates)),
        r("/api/scenarios", api(list_scenarios)),
        r("/api/scenarios/new", api(new_scenario), methods=["POST"]),
        r("/api/scenarios/import", api(import_scenario), methods=["POST"]),
        r("/api/scenarios/{file}", api(get_scenario)),
        r("/api/scenarios/{file}", api(save_scenario), methods=["POST"]),
        r("/api/jobs", api(list_jobs)),
        r("/api/jobs", api(submit_job), methods=["POST"]),
        r("/api/jobs/{job}", api(get_job)),
        r("/api/jobs/{job}/log", api(job_log)),
        r("/api/jobs/{job}/cancel", api(cancel_job), methods=["POST"]),
        r("/api/results", api(list_results)),
        r("/api/results/{name}", api(get_result)),
        r("/api/compares", api(list_compares)),
        r("/api/compares/{name}", api(get_compare)),
        r("/files/{kind:str}/{name}/{file}", api(get_file)),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]


def create_app(
    workspace: Path,
    *,
    max_running: int = 2,
    token: str | None = None,
    max_upload: int = data_mod.MAX_UPLOAD_BYTES,
) -> Starlette:
    """The workbench application on ``workspace`` (created when missing).

    Parameters
    ----------
    workspace
        The workspace folder.
    max_running
        Jobs run at once (more wait in the queue).
    token
        When given, every request must carry it.
    max_upload
        The largest upload accepted, in bytes.
    """
    ws = Workspace.open(workspace)
    jobs = JobManager(ws, max_running)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(TokenCheck)],
        exception_handlers={404: _not_found, 405: _not_found, 500: _server_error},
        lifespan=lifespan,
    )
    app.state.ws = ws
    app.state.jobs = jobs
    app.state.token = token
    app.state.max_upload = max_upload
    return app
