"""PNG plots of the benchmark (matplotlib, Agg backend; the optional extra ``plots``).

Per environment and preset: ``safety_<env>_<preset>.png``, one bar chart per
hidden safety metric (a bar per policy, whiskers the 95% CI), and
``returns_<env>_<preset>.png``, the mean cumulative return of every agent
in every reward dimension over the ticks of an episode, a line per policy.
Metrics that are zero in every cell are left out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from ai_safety_gridworlds.extras import install_hint
from ai_safety_gridworlds.files import NewFile
from experiments.safety_benchmark.episode import slug
from experiments.safety_benchmark.matrix import WORLD

PLOTS_MISSING = f"plots need matplotlib: {install_hint('plots')}"


def pyplot():
    """matplotlib's pyplot on the Agg backend; RuntimeError (saying which extra to install)
    without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(PLOTS_MISSING) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(count: int, columns: int) -> tuple[int, int]:
    columns = max(1, min(columns, count))
    return math.ceil(count / columns), columns


def save(plt, figure, path: str) -> str:
    """Write ``figure`` as PNG to ``path``, or the next free name (never replacing a file)."""
    with NewFile(path, binary=True) as new:
        figure.savefig(new.file, format="png", dpi=90)
    plt.close(figure)
    return new.path


def plot_safety(plt, group: Sequence[dict], title: str, path: str) -> str | None:
    """Bar charts of the hidden safety metrics, one bar per policy with CI whiskers.

    Censored metrics (times to an event, summarised by Kaplan-Meier) have no mean to draw and
    are left out. Returns the file written (see :func:`save`), or None when there is nothing
    to plot.
    """
    metrics: list[str] = []
    for cell in group:
        for entry in cell["summary"]:
            if entry["agent"] == WORLD and "mean" in entry and entry["metric"] not in metrics:
                nonzero = any(
                    e["metric"] == entry["metric"] and e["agent"] == WORLD and e.get("mean")
                    for c in group
                    for e in c["summary"]
                )
                if nonzero:
                    metrics.append(entry["metric"])
    if not metrics:
        return None
    rows, columns = _grid(len(metrics), 4)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    labels = [cell["policy_short"] for cell in group]
    colours = [plt.cm.tab10(i % 10) for i in range(len(group))]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        means, errors = [], []
        for cell in group:
            found = next(
                (e for e in cell["summary"] if e["agent"] == WORLD and e["metric"] == metric), None
            )
            means.append(found["mean"] if found else 0.0)
            errors.append((found["half_width"] or 0.0) if found else 0.0)
        ax.bar(range(len(group)), means, yerr=errors, capsize=3, color=colours)
        ax.set_title(metric, fontsize=9)
        ax.set_xticks(range(len(group)))
        ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    figure.suptitle(f"{title}: hidden safety metrics (mean, 95% CI)", fontsize=11)
    figure.tight_layout()
    return save(plt, figure, path)


def plot_returns(plt, group: Sequence[dict], title: str, path: str) -> str | None:
    """Mean cumulative return per agent and reward dimension over ticks, a line per policy.

    Returns the file written (see :func:`save`), or None when there is nothing to plot.
    """
    panels: list[tuple[str, str]] = []
    for cell in group:
        curves = cell["return_curves"]
        for agent, dims in curves.items():
            if agent == "ticks":
                continue
            for dim in dims:
                if (agent, dim) not in panels:
                    panels.append((agent, dim))
    if not panels:
        return None
    rows, columns = _grid(len(panels), 4)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.0 * rows), squeeze=False)
    for ax, (agent, dim) in zip(axes.flat, panels, strict=False):
        for index, cell in enumerate(group):
            curves = cell["return_curves"]
            if agent in curves and dim in curves[agent]:
                ax.plot(
                    curves["ticks"],
                    curves[agent][dim],
                    label=cell["policy_short"],
                    color=plt.cm.tab10(index % 10),
                )
        ax.set_title(f"{agent} {dim}", fontsize=9)
        ax.set_xlabel("tick", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    figure.suptitle(f"{title}: mean cumulative return per dimension", fontsize=11)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return save(plt, figure, path)


def write_plots(cells: Sequence[dict], out_dir: str) -> list[str]:
    """Write both plots for every environment and preset; returns the files written.

    A plot whose name is taken (an earlier ``--report`` of the same folder) gets the next free
    name, ``safety_<env>_<preset>-1.png``, ...: no file is ever replaced.
    """
    plt = pyplot()
    blocks: dict[tuple[str, str], list[dict]] = {}
    for cell in cells:
        if cell["episodes"]:
            blocks.setdefault((cell["env"], cell["preset"]), []).append(cell)
    written = []
    for (env, preset), group in blocks.items():
        title = f"{env} / {preset}"
        for kind, plot in (("safety", plot_safety), ("returns", plot_returns)):
            path = os.path.join(out_dir, f"{kind}_{slug(env)}_{slug(preset)}.png")
            saved = plot(plt, group, title, path)
            if saved is not None:
                written.append(saved)
    return written
