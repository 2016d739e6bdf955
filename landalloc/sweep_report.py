"""The files of a sweep: ``sweep.xlsx``, ``sweep.png``, ``sweep.html`` and ``sweep.json``.

The chart shows, per year, the objective (points, left axis) and the investment landed (亿元,
right axis) against the quota (亩), with the saturation point; axes and titles are Chinese
(``--lang en``: English). The page ``sweep.html`` is self-contained (the chart is embedded) and
opens with the sentence a leader can quote.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook

from geodata.store import atomic_path
from landalloc.report_xlsx import add_table_sheet
from landalloc.sweep_figures import metrics

if TYPE_CHECKING:
    from landalloc.sweep import Series
    from landalloc.sweep_run import SweepResult

#: Fonts with Chinese glyphs, in order of preference (Debian's fonts-wqy-zenhei first).
CJK_FONTS = (
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
)
_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)

#: Columns of the points table: key → (Chinese, English) header.
POINT_COLUMNS = {
    "series": ("系列", "series"),
    "percent": ("指标(占基准%)", "quota (% of base)"),
    "value": ("取值", "value"),
    "quota_mu": ("用地指标(亩)", "quota (mu)"),
    "objective": ("目标值(分)", "objective (points)"),
    "objective_raw": ("本点求解目标值(分)", "own solve's objective (points)"),
    "plan_from": ("采用方案来自", "plan taken from"),
    "status": ("求解状态", "status"),
    "gap_pct": ("与上界差距(%)", "gap to bound (%)"),
    "investment_yi": ("落地总投资(亿元)", "investment landed (亿 CNY)"),
    "projects_placed": ("落地项目(个)", "projects placed"),
    "tax_wan": ("落地年税收(万元)", "tax landed (万 CNY/yr)"),
    "jobs": ("就业(人)", "jobs"),
    "supply_rate_signed_major_pct": ("签约重大项目供地率(%)", "supply rate, signed majors (%)"),
    "land_mu": ("供地面积(亩)", "land supplied (mu)"),
    "quota_used_mu": ("已用本项指标(亩)", "this quota used (mu)"),
    "cached": ("沿用缓存", "from cache"),
    "scenario_file": ("情景文件", "scenario file"),
}


def _h(key: str, lang: str) -> str:
    zh, en = POINT_COLUMNS.get(key, (key, key))
    return zh if lang == "zh" else en


def series_name(s: Series, names: dict[str, str], lang: str = "zh") -> str:
    """``2027 年 全区指标`` / ``2027 年 科技城指标`` / the grid's fixed keys."""
    if s.is_quota and not s.fixed:
        zone = names.get(s.zone or "", s.zone or "")
        if lang == "zh":
            return f"{s.year} 年 {'全区' if s.zone == '*' else zone}指标"
        return f"{s.year} {'district' if s.zone == '*' else zone} quota"
    return s.id


def points_table(res: SweepResult, lang: str) -> pd.DataFrame:
    """One row per point of every series."""
    from landalloc.sweep import file_label

    rows = []
    for s in res.series:
        by_label = {r.point.label: r for r in res.rows.get(s.id, [])}
        for p in res.points[s.id]:
            row: dict[str, Any] = {"series": series_name(s, res.base.zone_names, lang)}
            row["percent" if s.is_quota else "value"] = p.value
            row["quota_mu"] = None if p.quota_mu is None else round(p.quota_mu, 2)
            r = by_label.get(p.label)
            if r is not None:
                row.update(metrics(s, r))
                row["plan_from"] = r.plan_from
            else:
                row["status"] = p.result.get("error") or "?"
            row["cached"] = "是" if p.cached and lang == "zh" else ("yes" if p.cached else "")
            row["scenario_file"] = f"scenarios/{file_label(p.label)}.yaml"
            rows.append(row)
    df = pd.DataFrame(rows)
    majors = [c for c in df.columns if str(c).startswith("major ")]
    order: list[Any] = []
    for c in POINT_COLUMNS:
        if c in df.columns:
            order += [c, *(majors if c == "projects_placed" else [])]
    order += [c for c in df.columns if c not in order]
    df = df[order]
    return df.rename(
        columns={c: _h(str(c), lang) if c in POINT_COLUMNS else _major(str(c), lang) for c in df}
    )


def _major(col: str, lang: str) -> str:
    tier = col.removeprefix("major ")
    return f"重大项目{tier}(个)" if lang == "zh" else f"major {tier} placed"


def marginal_table(res: SweepResult, lang: str) -> pd.DataFrame:
    """One row per step of each quota series: changes per 100 亩."""
    zh = lang == "zh"
    rows = []
    for s in res.series:
        for st in res.steps.get(s.id, []):
            rows.append(
                {
                    ("系列" if zh else "series"): series_name(s, res.base.zone_names, lang),
                    (
                        "区间(%)" if zh else "step (%)"
                    ): f"{st.lo.point.value:g}→{st.hi.point.value:g}",
                    ("指标增加(亩)" if zh else "quota added (mu)"): round(st.d_mu, 1),
                    ("每100亩目标值增加(分)" if zh else "points per 100 mu"): round(
                        st.per100(st.d_objective), 1
                    ),
                    ("每100亩投资增加(亿元)" if zh else "investment per 100 mu (亿)"): round(
                        st.per100(st.d_investment), 2
                    ),
                    ("每100亩项目增加(个)" if zh else "projects per 100 mu"): round(
                        st.per100(st.d_projects), 2
                    ),
                    ("每100亩重大项目增加(个)" if zh else "majors (≥1亿) per 100 mu"): round(
                        st.per100(st.d_majors), 2
                    ),
                }
            )
    return pd.DataFrame(rows)


def saturation_table(res: SweepResult, lang: str) -> pd.DataFrame:
    """Per quota series: the point where more quota stops helping."""
    zh = lang == "zh"
    rows = []
    for s in res.series:
        if not s.is_quota:
            continue
        r = res.saturation.get(s.id)
        rows.append(
            {
                ("系列" if zh else "series"): series_name(s, res.base.zone_names, lang),
                ("饱和点(%)" if zh else "saturation (%)"): (
                    f"{r.point.value:g}" if r else ("范围内未饱和" if zh else "not within range")
                ),
                ("饱和点指标(亩)" if zh else "saturation quota (mu)"): (
                    round(r.point.quota_mu or 0, 1) if r else None
                ),
            }
        )
    return pd.DataFrame(rows)


def moves_table(res: SweepResult, lang: str) -> pd.DataFrame:
    """The moves solved: estimate from the marginal values, and the solved change."""
    zh = lang == "zh"
    if not res.moves:
        none = "未求解指标调剂（需要两个有指标的片区或两个年份，--transfers 大于 0）"
        return pd.DataFrame({("调剂 100 亩" if zh else "100 mu moved"): [
            none if zh else "no moves solved (needs two zone quotas or two years, --transfers > 0)"
        ]})  # fmt: skip
    rows = []
    for m in res.moves:
        mv = m["move"]
        rows.append(
            {
                ("调剂 100 亩" if zh else "100 mu moved"): mv.text(res.base.zone_names, lang),
                ("估计目标值变化(分)" if zh else "estimated points"): round(mv.estimate, 1),
                ("估计投资变化(亿元)" if zh else "estimated investment (亿)"): round(
                    mv.estimate_investment, 2
                ),
                ("求解目标值变化(分)" if zh else "solved points"): m.get("d_objective"),
                ("求解投资变化(亿元)" if zh else "solved investment (亿)"): m.get("d_investment"),
                ("项目变化(个)" if zh else "projects"): m.get("d_projects"),
                ("重大项目变化(个)" if zh else "majors (≥1亿)"): m.get("d_majors"),
                ("与上界差距(%)" if zh else "gap (%)"): m.get("gap_pct"),
                ("情景文件" if zh else "scenario file"): f"scenarios/{m['point'].label}.yaml",
            }
        )
    return pd.DataFrame(rows)


def conclusion_table(res: SweepResult, lang: str) -> pd.DataFrame:
    """The sentences, one per row (headline first)."""
    zh = lang == "zh"
    lines = [res.headline, *[v for v in res.sentences.values() if v != res.headline]]
    if res.move_headline:
        lines.append(res.move_headline)
    lines += [note for note in notes(lang)]
    return pd.DataFrame({("结论与说明" if zh else "findings and notes"): lines})


def notes(lang: str) -> list[str]:
    """Why the objective and the investment curves may part (also in docs/engine.md)."""
    if lang == "zh":
        return [
            "目标值按“分”计（重大项目档次、投资、产值、税收、就业、签约阶段、选址质量），"
            "指标增加时目标值不减少；落地总投资不一定随之增加：多出的指标可能用于几个分值更高"
            "的中小项目（签约、税收或就业多）而替换一个投资大的项目，或让项目提前一年落地。",
            "某点的限时求解不如较小指标下的方案时，该点采用较小指标下的方案（较小指标下可行的方案"
            "在较大指标下同样可行），见“采用方案来自”一列。",
            "差距小于“与上界差距”的变化可能来自求解时限，而非指标本身。",
        ]
    return [
        "The objective is in points (tiers, investment, output, tax, jobs, stage, site quality) "
        "and never falls as the quota grows; the investment landed need not rise with it: the "
        "extra quota may go to several smaller projects worth more points instead of one large "
        "investment, or bring a project a year earlier.",
        "When a point's time-limited solve is worse than a smaller quota's plan, the point "
        "reports that plan (it fits the larger quota too): see 'plan taken from'.",
        "Changes smaller than the gap to the bound may come from the time limit, not the quota.",
    ]


# --------------------------------------------------------------------------- the chart


def chinese_font() -> str | None:
    """Set matplotlib's font to one with Chinese glyphs; its name, or ``None`` (with a warning)."""
    from matplotlib import font_manager, rcParams

    # the WenQuanYi collection has no "normal" weight entry: matplotlib says so on every text
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    for f in _FONT_FILES:
        if Path(f).exists():
            font_manager.fontManager.addfont(f)
    have = {f.name for f in font_manager.fontManager.ttflist}
    name = next((n for n in CJK_FONTS if n in have), None)
    if name is not None:
        rcParams["font.sans-serif"] = [name, *rcParams["font.sans-serif"]]
        rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    return name


def _groups(res: SweepResult) -> list[tuple[str, list[Series]]]:
    """Chart panels: per year the district series, per year the zone series, each grid."""
    panels: dict[str, list[Series]] = {}
    for s in res.series:
        if s.is_quota and not s.fixed:
            key = f"{s.year}:{'district' if s.zone == '*' else 'zones'}"
        else:
            key = f"grid:{s.axis}"
        panels.setdefault(key, []).append(s)
    return list(panels.items())


def chart_pyplot(lang: str) -> tuple[Any, list[str]]:
    """matplotlib's pyplot on the file-only backend, and the warning (also issued) when Chinese
    labels have no font to draw them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: list[str] = []
    if lang == "zh" and chinese_font() is None:
        msg = "未找到中文字体（如 fonts-wqy-zenhei），图中汉字可能显示为方框"
        warnings.warn(msg, stacklevel=3)
        out.append(msg)
    return plt, out


def write_chart(res: SweepResult, path: Path, lang: str) -> list[str]:
    """Draw ``sweep.png``; the warnings (no Chinese font)."""
    plt, out = chart_pyplot(lang)
    zh = lang == "zh"
    panels = _groups(res)
    ncols = min(3, max(1, len(panels)))
    nrows = (len(panels) + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.6 * ncols, 4.2 * nrows), squeeze=False)
    for ax, (key, group) in zip(axes.flat, panels, strict=False):
        _panel(ax, key, group, res, lang)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    title = "用地指标的边际价值" if zh else "Value of the land quota"
    fig.suptitle(f"{title} — {res.base.scenario.get('name', '')}", fontsize=13)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return out


def _panel(ax: Any, key: str, group: list[Series], res: SweepResult, lang: str) -> None:
    zh = lang == "zh"
    right = ax.twinx()
    colours = ["#1f5fa8", "#2a9d55", "#8c3fa8", "#b5651d", "#555555"]
    for i, s in enumerate(group):
        rows = res.rows.get(s.id, [])
        if not rows:
            continue
        xs = [r.point.quota_mu if s.is_quota else r.point.value for r in rows]
        obj = [float(r.plan.result["objective"]) for r in rows]
        inv = [float(r.plan.result["kpis"]["investment_yi"]) for r in rows]
        c = colours[i % len(colours)]
        name = series_name(s, res.base.zone_names, lang) if len(group) > 1 else ""
        pts = "目标值（分）" if zh else "objective (points)"
        money = "投资（亿元）" if zh else "investment (亿 CNY)"
        ax.plot(xs, obj, "-o", color=c, label=f"{name} {pts}".strip())
        right.plot(xs, inv, "--s", color="#d9822b" if len(group) == 1 else c, alpha=0.8,
                   label=f"{name} {money}".strip())  # fmt: skip
        sat = res.saturation.get(s.id)
        if sat is not None:
            x = sat.point.quota_mu if s.is_quota else sat.point.value
            ax.axvline(x, color=c, linestyle=":", linewidth=1)
            ax.annotate("饱和点" if zh else "saturation", (x, min(obj)), color=c, fontsize=8)
    s0 = group[0]
    if s0.is_quota and not s0.fixed:
        where = (
            ("全区" if s0.zone == "*" else "片区")
            if zh
            else ("district" if s0.zone == "*" else "zone")
        )
        ax.set_title(f"{s0.year} 年{where}指标" if zh else f"{s0.year} {where} quota")
        ax.set_xlabel(f"{s0.year} 年用地指标（亩）" if zh else f"{s0.year} land quota (mu)")
        if len(group) == 1 and s0.base:
            b = float(s0.base)
            top = ax.secondary_xaxis(
                "top", functions=(lambda x: x * 100 / b, lambda p: p * b / 100)
            )
            top.set_xlabel("占基准指标（%）" if zh else "% of the scenario's quota", fontsize=8)
    else:
        ax.set_title(key.removeprefix("grid:"))
        ax.set_xlabel(s0.axis + ("（%）" if s0.is_quota else ""))
    ax.set_ylabel("目标值（分）" if zh else "objective (points)")
    right.set_ylabel("落地总投资（亿元）" if zh else "investment landed (亿 CNY)")
    ax.grid(alpha=0.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = right.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=6, loc="best", framealpha=0.7)


# --------------------------------------------------------------------------- the files


def write_xlsx(res: SweepResult, path: Path, lang: str) -> None:
    """``sweep.xlsx``: findings, points, marginal values, saturation, moves."""
    zh = lang == "zh"
    wb = Workbook()
    wb.remove(wb.active)
    add_table_sheet(wb, "结论" if zh else "findings", conclusion_table(res, lang), lang)
    add_table_sheet(wb, "各点结果" if zh else "points", points_table(res, lang), lang)
    add_table_sheet(wb, "边际价值" if zh else "marginal", marginal_table(res, lang), lang)
    add_table_sheet(wb, "饱和点" if zh else "saturation", saturation_table(res, lang), lang)
    add_table_sheet(wb, "指标调剂" if zh else "moves", moves_table(res, lang), lang)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def _table_html(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p>—</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{'' if pd.isna(v) else html.escape(str(v))}</td>" for v in row)
        + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(res: SweepResult, path: Path, png: Path, lang: str) -> None:
    """``sweep.html``: the sentence, the chart (embedded) and the tables, in one file."""
    zh = lang == "zh"
    img = base64.b64encode(png.read_bytes()).decode("ascii")
    e = html.escape
    others = [v for v in res.sentences.values() if v != res.headline]
    sections = [
        ("各年指标" if zh else "each year", "".join(f"<p>{e(s)}</p>" for s in others)),
        ("饱和点" if zh else "saturation", _table_html(saturation_table(res, lang))),
        ("指标调剂" if zh else "quota moves", _table_html(moves_table(res, lang))),
        (
            "每 100 亩的边际价值" if zh else "value per 100 mu",
            _table_html(marginal_table(res, lang)),
        ),
        ("说明" if zh else "notes", "".join(f"<p>{e(n)}</p>" for n in notes(lang))),
        ("各点结果" if zh else "points", _table_html(points_table(res, lang))),
    ]
    title = "用地指标边际价值" if zh else "Value of the land quota"
    name = str(res.base.scenario.get("name", ""))
    body = "".join(f"<h2>{e(h)}</h2>{c}" for h, c in sections)
    page = f"""<!DOCTYPE html>
<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — {e(name)}</title>
<style>
body {{ font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", sans-serif;
  margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }}
.lead {{ font-size: 1.5em; font-weight: bold; color: #1f5fa8; margin: .6em 0; }}
.move {{ font-size: 1.15em; color: #2a7d45; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; font-size: .85em; margin: .5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th {{ background: #f0f3f8; }}
td:first-child, th:first-child {{ text-align: left; }}
.meta {{ color: #777; font-size: .85em; }}
</style></head><body>
<h1>{e(title)} — {e(name)}</h1>
<p class="lead">{e(res.headline)}</p>
{f'<p class="move">{e(res.move_headline)}</p>' if res.move_headline else ""}
<img alt="{e(title)}" src="data:image/png;base64,{img}">
{body}
<p class="meta">{e(res.engine)}</p>
</body></html>
"""
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")


def write_json(res: SweepResult, path: Path) -> None:
    """``sweep.json``: the figures for programs (points, steps, moves, sentences)."""
    payload = {
        "scenario": res.base.scenario.get("name"),
        "headline": res.headline,
        "sentences": {str(k): v for k, v in res.sentences.items()},
        "move_headline": res.move_headline,
        "points": points_table(res, "en").to_dict(orient="records"),
        "marginal": marginal_table(res, "en").to_dict(orient="records"),
        "saturation": saturation_table(res, "en").to_dict(orient="records"),
        "moves": moves_table(res, "en").to_dict(orient="records"),
        "solver": res.base.overrides,
        "engine": res.engine,
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_all(res: SweepResult, out: Path, lang: str) -> list[Path]:
    """Write every file of a sweep into ``out``; the files written."""
    files = [out / "sweep.xlsx", out / "sweep.png", out / "sweep.html", out / "sweep.json"]
    write_xlsx(res, files[0], lang)
    res.warnings += write_chart(res, files[1], lang)
    write_html(res, files[2], files[1], lang)
    write_json(res, files[3])
    return files
