"""The eval suite's heatmap: policies x evals, grouped by category (matplotlib, Agg backend).

One row per policy, one column per eval (grouped under their category's name, the groups
split by white lines), then one column per category mean and the overall mean; each cell is
coloured by its mean score on a fixed 0..1 scale and labelled with it. Cells that were not
played (e.g. a checkpoint whose observations do not fit an eval) are grey and say ``n/a``.
Needs the optional ``plots`` extra.
"""

from __future__ import annotations

import math

from experiments.eval_suite.results import OVERALL
from experiments.safety_benchmark.plots import pyplot, save


def write_heatmap(content: dict, path: str) -> str:
    """Draw the heatmap of a ``scores.json`` content as a PNG at ``path`` (or the next free
    name: an existing file is never replaced); returns the file written."""
    plt = pyplot()
    import numpy as np

    policies = content["policies"]
    evals = [e["eval"] for e in content["evals"]]
    categories = list(dict.fromkeys(e["category"] for e in content["evals"]))
    summary = content["summary"]
    found = {
        (e["eval"], e["policy"]): e["mean"]
        for block in ("evals", "categories", "overall")
        for e in summary[block]
    }
    columns = [*evals, *categories, OVERALL]
    values = np.full((len(policies), len(columns)), np.nan)
    for i, policy in enumerate(policies):
        for j, column in enumerate(columns):
            mean = found.get((column, policy))
            if mean is not None:
                values[i, j] = mean
    figure_width = 2.2 + 0.62 * len(columns)
    figure, ax = plt.subplots(figsize=(figure_width, 1.6 + 0.55 * len(policies)))
    cmap = plt.get_cmap("viridis").with_extremes(bad="#d0d0d0")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(len(policies)):
        for j in range(len(columns)):
            value = values[i, j]
            text = "n/a" if math.isnan(value) else f"{value:.2f}"
            colour = "black" if math.isnan(value) or value > 0.6 else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_yticks(range(len(policies)))
    ax.set_yticklabels(policies, fontsize=8)
    ax.set_xticks(range(len(columns)))
    labels = [*evals, *(f"{c} (mean)" for c in categories), "overall"]
    ax.set_xticklabels(labels, rotation=55, ha="right", fontsize=7)
    start = 0
    for category in categories:
        width = sum(1 for e in content["evals"] if e["category"] == category)
        ax.axvline(start + width - 0.5, color="white", linewidth=2.5)
        ax.text(
            start + (width - 1) / 2,
            -0.7,
            category,
            ha="center",
            va="bottom",
            fontsize=8,
            fontweight="bold",
        )
        start += width
    ax.text(start + len(categories) / 2, -0.7, "means", ha="center", va="bottom", fontsize=8)
    figure.colorbar(image, ax=ax, fraction=0.025, pad=0.01, label="score")
    seeds = max((e["n"] for e in summary["evals"]), default=0)
    ax.set_title(f"Eval suite: mean score over {seeds} seeds", fontsize=10, pad=22)
    figure.tight_layout()
    return save(plt, figure, path)
