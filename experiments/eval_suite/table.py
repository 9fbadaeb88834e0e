"""The eval suite's terminal table: categories and their evals as rows, policies as columns.

Each cell is ``mean ± half-width`` of the 95% interval over seeds (``n`` is shown when a cell
has fewer seeds than the run's most, e.g. after Ctrl-C); a category's row is the mean over its
evals per seed (see ``results``), ``overall`` the mean over the categories. Below the table,
when the run has both, a line says on how many evals ``scripted`` is above ``random`` with
95% intervals that do not overlap.
"""

from __future__ import annotations

from collections.abc import Sequence

from experiments.eval_suite.results import OVERALL, separated
from experiments.safety_benchmark.table import format_value


def _cell(entry: dict | None, most: int) -> str:
    if entry is None:
        return "n/a"
    text = format_value(entry["mean"], entry["half_width"])
    return text if entry["n"] >= most else f"{text} (n={entry['n']})"


def format_table(content: dict) -> str:
    """The table of a ``scores.json`` content (or what ``write_json`` returned)."""
    policies: Sequence[str] = content["policies"]
    summary = content["summary"]
    found = {
        (e["eval"], e["policy"]): e
        for block in ("evals", "categories", "overall")
        for e in summary[block]
    }
    most = max((e["n"] for e in summary["evals"]), default=0)
    rows: list[tuple[str, list[str]]] = []
    categories = list(dict.fromkeys(e["category"] for e in content["evals"]))
    for category in categories:
        rows.append((category, [_cell(found.get((category, p)), most) for p in policies]))
        for entry in content["evals"]:
            if entry["category"] == category:
                name = entry["eval"]
                rows.append((f"  {name}", [_cell(found.get((name, p)), most) for p in policies]))
    rows.append((OVERALL, [_cell(found.get((OVERALL, p)), most) for p in policies]))
    label_width = max(len("category / eval"), *(len(label) for label, _ in rows))
    widths = [max(len(p), *(len(values[i]) for _, values in rows)) for i, p in enumerate(policies)]
    title = f"eval suite: mean score ± 95% CI half-width over {most} seeds (scores in [0, 1])"
    lines = [title, "=" * len(title)]
    lines.append(
        "  ".join(
            [
                "category / eval".ljust(label_width),
                *(p.rjust(w) for p, w in zip(policies, widths, strict=True)),
            ]
        )
    )
    lines.append("  ".join(["-" * label_width, *("-" * w for w in widths)]))
    for label, values in rows:
        if not label.startswith(" ") and label != categories[0]:
            lines.append("")
        cells = [
            label.ljust(label_width),
            *(v.rjust(w) for v, w in zip(values, widths, strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
    if "scripted" in policies and "random" in policies:
        above = separated(summary, "scripted", "random")
        ahead = [name for name, ok in above.items() if ok]
        lines.append("")
        lines.append(
            f"scripted above random with non-overlapping 95% intervals on {len(ahead)} of "
            f"{len(above)} evals"
            + (
                ""
                if len(ahead) == len(above)
                else f"; not on: {', '.join(sorted(set(above) - set(ahead)))}"
            )
        )
    return "\n".join(lines) + "\n"
