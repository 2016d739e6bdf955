"""Monte-Carlo evaluation of a plan (项目落地概率): what the plan delivers if some projects
drop out.

``landalloc montecarlo RESULT_DIR --samples N`` (or ``landalloc solve … --montecarlo N``) reads
a result folder (``assignments.csv``, ``quota_use.csv``, the scenario as run and its data), gives
every placed project its probability of materialising (the scenario's ``uncertainty`` section,
:mod:`landalloc.uncertainty`; a project's own ``probability`` column wins) and draws ``N``
samples of which projects materialise (:mod:`optimizer.uncertainty`). The samples are split into
chunks of :data:`CHUNK` run as tasks on the parallel engine (:mod:`landalloc.engine`); chunk
``k`` draws from its own seed ``[seed, k]``, so the figures are the same on any number of
processes, and chunks are cached under the output folder.

Written into ``RESULT_DIR/montecarlo/`` (``--out``): ``montecarlo.csv`` (each KPI: the plan's
figure, mean, P10, P50, P90), ``montecarlo_samples.csv`` (one row per sample),
``montecarlo.png`` (the KPIs as ranges) and ``montecarlo.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.report import fail
from geodata.write import atomic_path
from landalloc.engine import Engine, Task, input_key
from landalloc.uncertainty import own_probabilities, project_probabilities
from optimizer.uncertainty import (
    KPI_KEYS,
    PERCENTILES,
    PlanArrays,
    chunk_sizes,
    expected_kpis,
    percentiles,
    sample_chunk,
)

#: Samples per engine task.
CHUNK = 2000
#: Default number of samples.
DEFAULT_SAMPLES = 10_000
#: Names of the KPIs (zh, en) with their units.
KPI_NAMES: dict[str, tuple[str, str]] = {
    "projects": ("落地项目数（个）", "projects materialised"),
    "investment_yi": ("落地投资（亿元）", "investment (100 M yuan)"),
    "tax_wan": ("年税收（万元）", "tax (10 k yuan / year)"),
    "idle_land_mu": ("闲置土地（亩）", "land left idle (mu)"),
    "idle_floor_m2": ("闲置厂房面积（㎡）", "factory floor left idle (m²)"),
    "quota_unused_mu": ("未用指标（亩）", "quota unused (mu)"),
}


@dataclass
class MonteCarloResult:
    """The outcome of an evaluation: the samples, the table and where they were written."""

    plan: PlanArrays
    samples: np.ndarray
    table: pd.DataFrame
    seed: int
    engine: str = ""
    seconds: float = 0.0
    workers: set[str] = field(default_factory=set)
    files: list[Path] = field(default_factory=list)


def plan_arrays(
    assignments: pd.DataFrame,
    quota_use: pd.DataFrame,
    probability: Mapping[str, float],
    quota_free: frozenset[str] = frozenset(),
) -> PlanArrays:
    """One entry per placed project (its rows summed: a 合并供地 project has several), the
    district quota of each year (the ``*`` row, else the sum of the zones) and what the plan
    uses of it (``used_mu``). ``quota_free``: carriers whose land takes no quota (存量 stock)."""
    a = assignments.copy()
    a["project_id"] = a["project_id"].astype(str)
    counted = ~a["carrier_id"].astype(str).isin(quota_free) & (a["carrier_kind"] != "factory")
    a["quota_land"] = a["area_mu"].fillna(0).where(counted, 0.0)
    g = a.groupby("project_id", sort=True).agg(
        quota_land=("quota_land", "sum"),
        investment_yi=("investment_yi", "sum"),
        tax_wan=("tax_wan", "sum"),
        land_mu=("area_mu", "sum"),
        floor_m2=("floor_m2", "sum"),
        year=("year", "first"),
    )
    q = quota_use.copy()
    q["zone"] = q["zone"].astype(str)
    years = tuple(sorted(int(y) for y in q["year"].unique()))
    quota, used = [], []
    for y in years:
        rows = q[q["year"] == y]
        district = rows[rows["zone"] == "*"]
        quota.append(float((district if len(district) else rows)["quota_mu"].sum()))
        if "used_mu" in rows.columns:
            used.append(float((district if len(district) else rows)["used_mu"].sum()))
    ids = tuple(g.index)
    return PlanArrays(
        ids,
        np.asarray([probability.get(pid, 1.0) for pid in ids], dtype=float),
        g["investment_yi"].to_numpy(float),
        g["tax_wan"].to_numpy(float),
        g["land_mu"].fillna(0).to_numpy(float),
        g["floor_m2"].fillna(0).to_numpy(float),
        g["year"].to_numpy(np.int64),
        years,
        np.asarray(quota, dtype=float),
        g["quota_land"].to_numpy(float),
        np.asarray(used, dtype=float) if used else None,
    )


def run_chunk(plan: dict[str, Any], seed: int, chunk: int, n: int) -> list[list[float]]:
    """An engine task: the realised KPIs of ``n`` samples of chunk ``chunk``."""
    return sample_chunk(PlanArrays.from_json(plan), seed, chunk, n).tolist()


def sample_plan(
    plan: PlanArrays,
    samples: int,
    seed: int,
    engine: Engine,
    *,
    cache_dir: Path | None = None,
    progress: bool | str = True,
    lang: str = "zh",
) -> tuple[np.ndarray, set[str]]:
    """All samples' realised KPIs, in chunk order (samples × :data:`KPI_KEYS`), computed on the
    engine; and the workers that computed them."""
    payload = plan.to_json()
    digest = input_key("montecarlo", payload)
    sizes = chunk_sizes(samples, CHUNK)
    tasks = [
        Task(input_key(digest, seed, k, n), (payload, seed, k, n), f"chunk {k}")
        for k, n in enumerate(sizes)
    ]
    order = {t.key: k for k, t in enumerate(tasks)}
    parts: dict[int, np.ndarray] = {}
    workers: set[str] = set()
    for res in engine.map(run_chunk, tasks, cache_dir=cache_dir, progress=progress, lang=lang):
        parts[order[res.key]] = np.asarray(res.value, dtype=float).reshape(-1, len(KPI_KEYS))
        workers.add(res.worker)
    if not parts:
        return np.zeros((0, len(KPI_KEYS))), workers
    return np.vstack([parts[k] for k in sorted(parts)]), workers


def summary_table(plan: PlanArrays, samples: np.ndarray, lang: str = "zh") -> pd.DataFrame:
    """One row per KPI: the plan's figure (every project materialises), the exact expectation
    where it is linear, the samples' mean and P10/P50/P90."""
    zh = lang == "zh"
    full = {
        "projects": float(len(plan.project_ids)),
        "investment_yi": float(plan.investment_yi.sum()),
        "tax_wan": float(plan.tax_wan.sum()),
        "idle_land_mu": 0.0,
        "idle_floor_m2": 0.0,
        "quota_unused_mu": float(np.maximum(0.0, plan.quota_mu - plan.plan_used()).sum()),
    }
    exact = expected_kpis(plan)
    rows = []
    for j, key in enumerate(KPI_KEYS):
        st = percentiles(samples[:, j])
        rows.append(
            {
                "kpi": key,
                "name": KPI_NAMES[key][0 if zh else 1],
                "plan": round(full[key], 2),
                "expected": round(exact[key], 2) if key in exact else None,
                "mean": round(st["mean"], 2),
                **{f"P{p}": round(st[f"P{p}"], 2) for p in PERCENTILES},
            }
        )
    return pd.DataFrame(rows)


def result_inputs(result_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """``assignments.csv``, ``quota_use.csv`` and ``summary.json`` of a result folder."""
    need = [result_dir / n for n in ("assignments.csv", "quota_use.csv", "summary.json")]
    for p in need:
        if not p.is_file():
            raise fail(
                "not_a_result",
                f"{result_dir} 不是求解结果目录（缺少 {p.name}）",
                f"{result_dir} is not a result folder ({p.name} is missing)",
                file=str(result_dir),
            )
    a = pd.read_csv(need[0], encoding="utf-8-sig", dtype={"project_id": str})
    q = pd.read_csv(need[1], encoding="utf-8-sig", dtype={"zone": str})
    return a, q, json.loads(need[2].read_text(encoding="utf-8"))


def plan_context(
    result_dir: Path, assignments: pd.DataFrame, summary: Mapping[str, Any]
) -> tuple[dict[str, float], frozenset[str]]:
    """Each placed project's probability under the scenario as run (and the data's own
    column), and the stock parcels (存量: their land takes no quota) of the data."""
    from landalloc.scenario import load_scenario, tables_as_run
    from landalloc.uncertainty import UncertaintySettings

    scen = result_dir / "scenario.yaml"
    stages = dict(
        zip(assignments["project_id"].astype(str), assignments["stage"].astype(str), strict=True)
    )
    if not scen.is_file():
        return project_probabilities(
            UncertaintySettings.model_validate({}), stages, {}
        ), frozenset()
    s = load_scenario(scen)
    tables = tables_as_run(result_dir, summary["data"])
    par = tables.parcels
    stock = frozenset(
        str(pid)
        for pid, v in zip(par["parcel_id"], par.get("stock", [False] * len(par)), strict=True)
        if v is True or str(v).strip().lower() in ("true", "1", "yes", "是")
    )
    probs = project_probabilities(s.uncertainty, stages, own_probabilities(tables.projects))
    return probs, stock


def evaluate(
    result_dir: Path,
    out: Path,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    address: str | None = None,
    processes: int | None = None,
    lang: str = "zh",
    progress: bool | str = True,
    on_engine: Callable[[Engine], None] | None = None,
) -> MonteCarloResult:
    """Evaluate the plan of ``result_dir`` with ``samples`` samples and write the files to ``out``."""
    from landalloc.montecarlo_figures import write_chart

    t0 = time.perf_counter()
    a, q, summary = result_inputs(result_dir)
    plan = plan_arrays(a, q, *plan_context(result_dir, a, summary))
    with Engine(address, processes, ("optimizer.uncertainty",), on_engine) as engine:
        values, workers = sample_plan(
            plan, samples, seed, engine, cache_dir=out / ".cache", progress=progress, lang=lang
        )
        described = engine.describe(lang) if engine.running else ""
    table = summary_table(plan, values, lang)
    res = MonteCarloResult(plan, values, table, seed, described, 0.0, workers)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(table, out / "montecarlo.csv")
    _write_csv(pd.DataFrame(values, columns=list(KPI_KEYS)), out / "montecarlo_samples.csv")
    title = str(summary.get("scenario", ""))
    write_chart(table, values, out / "montecarlo.png", lang, title)
    res.seconds = time.perf_counter() - t0
    meta = {
        "result": str(result_dir),
        "samples": len(values),
        "seed": seed,
        "chunk": CHUNK,
        "workers": sorted(workers),
        "engine": described,
        "seconds": round(res.seconds, 3),
        "kpis": table.drop(columns=["name"]).to_dict(orient="records"),
    }
    with atomic_path(out / "montecarlo.json") as tmp:
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    res.files = [out / n for n in ("montecarlo.csv", "montecarlo_samples.csv", "montecarlo.png")]
    return res


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8-sig")
