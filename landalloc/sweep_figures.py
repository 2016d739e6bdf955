"""What a sweep's points say: the reported plan per point, marginal values, saturation, moves.

* **Reported plan.** A plan solved under quotas that are all at most a point's quotas fits that
  point too, so the best plan at a point is at least as good as every such plan of the sweep. A
  time-limited solve may end below one of them; the point then reports that plan (marked
  ``plan_from``), and its own solve stays in ``objective_raw``. The objective (points) curve is
  therefore non-decreasing in the quota, and every series reports the same plan at 100 %;
  investment, projects and the other KPIs are those of the reported plan and need not rise (the
  objective is in points, not in 亿元).
* **Marginal value per 100 亩**: the change between neighbouring points, per 100 亩 of quota.
* **Saturation**: the first point after which every further step raises the objective by less
  than :data:`SATURATION_GAIN` (more quota stops helping).
* **Moves**: 100 亩 from zone A to zone B in a year, or from year Y1 to year Y2 (district
  quotas), estimated from the marginal values (gain above 100 % at the receiver minus loss below
  100 % at the giver); the best few are then solved (:func:`transfer_points`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from landalloc.sweep import TRANSFER_MU, Base, Point, Series, derived, point_key, set_quota

#: A step that raises the objective by less than this share no longer helps.
SATURATION_GAIN = 0.005
#: The tier counted as "major" in the short figures (the KPIs keep every tier).
MAJOR_TIER = "≥1亿"


@dataclass
class Row:
    """A point and the point whose plan it reports (itself, or a smaller quota's)."""

    point: Point
    plan: Point

    @property
    def plan_from(self) -> str:
        """The label of the reported plan's point when it is not this one."""
        return "" if self.plan is self.point else self.plan.label


def quota_vector(p: Point) -> dict[tuple[int, str], float]:
    """The quotas a point was solved under: (year, zone) → 亩 (``*``: the district)."""
    return {
        (int(q["year"]), str(q["zone"])): float(q["quota_mu"]) for q in p.result["kpis"]["quota"]
    }


#: Scenario keys that do not change which plans are allowed or what they are worth.
_NOT_THE_PROBLEM = ("quotas", "name", "description", "solver", "data")


def _problem(p: Point) -> str:
    """What a point's plans are judged by, apart from the quotas (for comparing plans)."""
    rest = {k: v for k, v in p.scenario.items() if k not in _NOT_THE_PROBLEM}
    return json.dumps(rest, sort_keys=True, default=str)


def _fits(q: dict[tuple[int, str], float], p: dict[tuple[int, str], float]) -> bool:
    """Every quota of ``q`` is at most that of ``p`` (a missing quota is no limit)."""
    inf = float("inf")
    return all(q.get(k, inf) <= p.get(k, inf) for k in set(q) | set(p))


def best_plans(points: Iterable[Point]) -> dict[str, Point]:
    """Point key → the point whose plan is the best known for it.

    A plan solved under quotas that are all at most a point's quotas (the rest of the scenario
    the same) fits that point too and is worth the same points there; the best such plan of the
    whole sweep is reported (the point's own on a tie).
    """
    solved: dict[str, Point] = {}
    for p in points:
        if p.ok:
            solved.setdefault(p.key, p)
    groups: dict[str, list[Point]] = {}
    for p in solved.values():
        groups.setdefault(_problem(p), []).append(p)
    best: dict[str, Point] = {}
    for group in groups.values():
        vectors = {p.key: quota_vector(p) for p in group}
        for p in group:
            fits = [q for q in group if _fits(vectors[q.key], vectors[p.key])]
            best[p.key] = max(fits, key=lambda q: (_obj(q), q is p))
    return best


def reported(series: Series, points: Sequence[Point], best: dict[str, Point]) -> list[Row]:
    """The solved points of a series in axis order, each with the best known plan for it."""
    solved = sorted((p for p in points if p.ok), key=lambda p: float(p.value))
    return [Row(p, best.get(p.key, p)) for p in solved]


def _obj(p: Point) -> float:
    return float(p.result.get("objective") or 0.0)


def metrics(series: Series, row: Row) -> dict[str, Any]:
    """The figures of one row (KPIs of the reported plan; status and gap of the own solve)."""
    r, own = row.plan.result, row.point.result
    k = r.get("kpis", {})
    sr = k.get("supply_rate_signed_major")
    used = None
    if series.is_quota:
        at = (series.year, series.zone)
        used = next(
            (q["used_mu"] for q in k.get("quota", []) if (q["year"], q["zone"]) == at), None
        )
    return {
        "objective": r.get("objective"),
        "objective_raw": own.get("objective"),
        "status": own.get("status"),
        "gap_pct": None if own.get("gap") is None else round(100 * float(own["gap"]), 2),
        "investment_yi": k.get("investment_yi"),
        "projects_placed": k.get("projects_placed"),
        "tax_wan": k.get("tax_wan"),
        "jobs": k.get("jobs"),
        **{f"major {t}": n for t, n in (k.get("major_by_tier") or {}).items()},
        "supply_rate_signed_major_pct": None if sr is None else round(100 * sr, 1),
        "land_mu": k.get("land_mu"),
        "quota_used_mu": used,
    }


def majors(row: Row) -> int:
    """Major projects (≥ 1 亿) of the reported plan."""
    return int((row.plan.result.get("kpis", {}).get("major_by_tier") or {}).get(MAJOR_TIER, 0))


@dataclass(frozen=True)
class Step:
    """The change between two neighbouring points of a quota series, and per 100 亩."""

    series: str
    lo: Row
    hi: Row
    d_mu: float
    d_objective: float
    d_investment: float
    d_projects: int
    d_majors: int

    def per100(self, what: float) -> float:
        """``what`` per 100 亩 of quota."""
        return what * 100.0 / self.d_mu if self.d_mu else 0.0


def steps(series: Series, rows: Sequence[Row]) -> list[Step]:
    """The steps of a quota series (none for other axes)."""
    if not series.is_quota:
        return []
    out = []
    for lo, hi in itertools.pairwise(rows):
        a, b = lo.plan.result["kpis"], hi.plan.result["kpis"]
        out.append(
            Step(
                series.id,
                lo,
                hi,
                float(hi.point.quota_mu or 0) - float(lo.point.quota_mu or 0),
                _obj(hi.plan) - _obj(lo.plan),
                float(b["investment_yi"]) - float(a["investment_yi"]),
                int(b["projects_placed"]) - int(a["projects_placed"]),
                majors(hi) - majors(lo),
            )
        )
    return out


def saturation(rows: Sequence[Row]) -> Row | None:
    """The first row after which every step gains less than :data:`SATURATION_GAIN`.

    ``None`` when the last step still helps (not saturated within the range).
    """
    if len(rows) < 2:
        return None
    at: Row | None = rows[-1]
    for lo, hi in reversed(list(itertools.pairwise(rows))):
        gain = (_obj(hi.plan) - _obj(lo.plan)) / max(1.0, abs(_obj(lo.plan)))
        if gain >= SATURATION_GAIN:
            break
        at = lo
    return None if at is rows[-1] else at


def around_base(all_steps: Sequence[Step]) -> tuple[Step | None, Step | None]:
    """The step just below 100 % and the one just above it."""
    down = next((s for s in all_steps if float(s.hi.point.value) == 100.0), None)
    up = next((s for s in all_steps if float(s.lo.point.value) == 100.0), None)
    return down, up


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def leader_sentence(year: int, step: Step | None, lang: str = "zh") -> str:
    """The sentence a leader can quote about one more 100 亩 of a year's district quota."""
    if step is None:
        return (
            f"{year} 年指标扫描没有 100 % 附近的两个可比较的点"
            if lang == "zh"
            else f"{year}: no two comparable points around 100 % of the quota"
        )
    inv, n = step.per100(step.d_investment), step.per100(step.d_projects)
    if lang != "zh":
        return (
            f"In {year}, each extra 100 mu of quota lands about {_num(inv)} 亿 CNY more "
            f"investment ({_num(n)} projects)."
        )
    if inv <= 0.05 and n <= 0.05:
        return (
            f"{year} 年再增加用地指标基本不能多落地投资（每 100 亩约 {_num(inv)} 亿元、"
            f"{_num(n)} 个项目），指标已不是瓶颈"
        )
    return f"{year} 年每增加 100 亩指标，可多落地约 {_num(inv)} 亿元投资（{_num(n)} 个项目）"


@dataclass(frozen=True)
class Move:
    """100 亩 moved from one quota to another (``kind`` ``zone`` or ``year``)."""

    kind: str
    giver: tuple[int, str]
    taker: tuple[int, str]
    estimate: float
    estimate_investment: float

    @property
    def label(self) -> str:
        """A short id (file names, the cache)."""
        (y1, z1), (y2, z2) = self.giver, self.taker
        if self.kind == "zone":
            return f"move{y1}-{z1}-to-{z2}"
        return f"move{y1}-to-{y2}"

    def text(self, names: dict[str, str], lang: str = "zh") -> str:
        """``2027 年 A → B`` or ``2027 → 2026 年（全区）``."""
        (y1, z1), (y2, z2) = self.giver, self.taker
        if self.kind == "zone":
            a, b = names.get(z1, z1), names.get(z2, z2)
            return f"{y1} 年 {a} → {b}" if lang == "zh" else f"{y1}: {a} → {b}"
        return f"{y1} 年 → {y2} 年（全区）" if lang == "zh" else f"{y1} → {y2} (district)"


def candidate_moves(base: Base, by_series: dict[str, list[Step]]) -> list[Move]:
    """Every move the marginal values can estimate, best estimate first."""
    slopes: dict[tuple[int, str], tuple[Step | None, Step | None]] = {}
    for sid, st in by_series.items():
        y, z = sid.split(":", 1)
        slopes[(int(y), z)] = around_base(st)
    moves = []
    for giver, (down, _) in slopes.items():
        for taker, (_, up) in slopes.items():
            if giver == taker or down is None or up is None:
                continue
            zone_move = giver[0] == taker[0] and "*" not in (giver[1], taker[1])
            year_move = giver[0] != taker[0] and giver[1] == taker[1] == "*"
            if not (zone_move or year_move) or base.quotas_mu.get(giver, 0.0) < TRANSFER_MU:
                continue
            moves.append(
                Move(
                    "zone" if zone_move else "year",
                    giver,
                    taker,
                    up.per100(up.d_objective) - down.per100(down.d_objective),
                    up.per100(up.d_investment) - down.per100(down.d_investment),
                )
            )
    return sorted(moves, key=lambda m: (-m.estimate, -m.estimate_investment, m.label))


def transfer_points(base: Base, moves: Sequence[Move]) -> list[Point]:
    """One point per move: the base scenario with 100 亩 taken from the giver to the taker."""
    out = []
    for m in moves:
        scen = derived(base, [])
        set_quota(scen, *m.giver, base.quotas_mu[m.giver] - TRANSFER_MU)
        set_quota(scen, *m.taker, base.quotas_mu[m.taker] + TRANSFER_MU)
        out.append(Point(m.label, "transfer", 0, None, scen, point_key(base, scen)))
    return out


def move_result(
    move: Move, point: Point, base_point: Point, best: dict[str, Point]
) -> dict[str, Any]:
    """A solved move against the base (best known plans of both): changes in objective,
    investment, projects and majors."""
    if not point.ok or not base_point.ok:
        return {"move": move, "error": point.result.get("error") or "base", "point": point}
    plan, base_plan = best.get(point.key, point), best.get(base_point.key, base_point)
    a, b = base_plan.result, plan.result
    ka, kb = a["kpis"], b["kpis"]
    maj = (kb["major_by_tier"].get(MAJOR_TIER, 0)) - (ka["major_by_tier"].get(MAJOR_TIER, 0))
    return {
        "move": move,
        "error": None,
        "point": point,
        "plan_from": "" if plan is point else plan.label,
        "d_objective": _obj(plan) - _obj(base_plan),
        "d_investment": round(float(kb["investment_yi"]) - float(ka["investment_yi"]), 2),
        "d_projects": int(kb["projects_placed"]) - int(ka["projects_placed"]),
        "d_majors": int(maj),
        "gap_pct": None if point.result.get("gap") is None else round(100 * point.result["gap"], 2),
    }


def move_sentence(res: dict[str, Any], names: dict[str, str], lang: str = "zh") -> str:
    """The sentence about the best move solved."""
    m: Move = res["move"]
    inv, n, pts = res["d_investment"], res["d_projects"], res["d_objective"]
    (y1, z1), (y2, z2) = m.giver, m.taker
    if lang != "zh":
        return (
            f"Moving 100 mu of quota {m.text(names, 'en')} changes the plan by {pts:+.0f} points, "
            f"{inv:+.1f} 亿 CNY of investment and {n:+d} projects."
        )
    if m.kind == "zone":
        what = f"{y1} 年把 100 亩指标从{names.get(z1, z1)}调给{names.get(z2, z2)}"
    else:
        what = f"把 {y1} 年的 100 亩指标调到 {y2} 年"
    if inv > 0.05:
        return f"{what}，可多落地约 {_num(inv)} 亿元投资（项目 {n:+d} 个，目标值 {pts:+.0f} 分）"
    return f"{what}，目标值 {pts:+.0f} 分，投资 {inv:+.1f} 亿元，项目 {n:+d} 个"
