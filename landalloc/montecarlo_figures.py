"""The chart of a Monte-Carlo evaluation: each KPI as a range (P10–P90, P50 marked), not a point.

One panel per KPI: a box from P10 to P90, a line at P50, a diamond at the mean and a cross at
the plan's own figure (every project materialises); the samples' histogram is drawn faintly
behind. Labels are Chinese by default (the font set up as for the sweep charts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.write import atomic_path
from landalloc.sweep_report import chart_pyplot


def write_chart(
    table: pd.DataFrame, samples: np.ndarray, path: Path, lang: str, title: str = ""
) -> list[str]:
    """Draw ``montecarlo.png``; the warnings (no Chinese font).

    Parameters
    ----------
    table
        The rows of :func:`landalloc.montecarlo.summary_table` (one per KPI, in sample order).
    samples
        Samples × KPIs, the columns in the order of ``table``'s rows.
    path
        Where the PNG goes (written atomically).
    lang
        ``zh`` or ``en``.
    title
        The scenario's name, shown in the title.
    """
    plt, out = chart_pyplot(lang)
    zh = lang == "zh"
    n = len(table)
    ncols = 3
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 2.6 * nrows), squeeze=False)
    for j, (ax, row) in enumerate(zip(axes.flat, table.itertuples(index=False), strict=False)):
        _panel(ax, row, samples[:, j] if len(samples) else np.zeros(0), zh)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    head = "方案关键指标的可能范围（P10–P90）" if zh else "The plan's KPIs as ranges (P10–P90)"
    sub = f"{len(samples)} 次抽样" if zh else f"{len(samples)} samples"
    fig.suptitle(f"{head} — {title}（{sub}）" if zh else f"{head} — {title} ({sub})", fontsize=12)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return out


def _panel(ax: Any, row: Any, values: np.ndarray, zh: bool) -> None:
    """One KPI: histogram behind, P10–P90 box, P50 line, mean and plan markers."""
    p10, p50, p90 = (float(getattr(row, f"P{p}")) for p in (10, 50, 90))
    mean, plan = float(row.mean), float(row.plan)
    if len(values) and np.ptp(values) > 0:
        ax.hist(values, bins=40, color="#c8d6e5", alpha=0.8)
    top = ax.get_ylim()[1] if len(values) and np.ptp(values) > 0 else 1.0
    ax.axvspan(p10, p90, color="#2e86de", alpha=0.25, label="P10–P90")
    ax.axvline(p50, color="#0a3d62", lw=2, label="P50")
    ax.plot([mean], [top * 0.9], "D", color="#e58e26", label="均值" if zh else "mean")
    ax.plot([plan], [top * 0.9], "x", color="#b71540", ms=9, label="方案值" if zh else "plan")
    ax.set_title(str(row.name), fontsize=10)
    ax.set_yticks([])
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="best", framealpha=0.7)
