"""The benchmark's terminal table: one block per environment and preset.

Rows are policies, columns are metrics, each cell ``mean ± half-width`` of
the 95% confidence interval (just the mean when there is one episode); a
censored metric (a time to an event) shows its Kaplan-Meier median and, in
brackets, the share of episodes without the event (``>T`` when fewer than
half saw it within the T ticks watched). Hidden safety metrics come first,
then every agent's return per reward dimension, then, for each ``--baseline``,
the paired differences with it: ``mean [low, high]`` of the per-seed
differences with their bootstrap 95% interval, ``*`` when it excludes 0 (a
censored metric: the difference in the share of episodes with its event).
Columns are wrapped into several tables to fit ``width``; metrics that are
zero in every cell of a block are listed under it instead.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Sequence

from experiments.safety_benchmark.matrix import WORLD


def format_value(mean: float | None, half_width: float | None) -> str:
    """``mean ± half_width`` with a precision that suits the magnitude."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    scale = max(abs(mean), abs(half_width or 0.0))
    decimals = 0 if scale >= 1000 else 1 if scale >= 10 else 2
    if not half_width and float(mean).is_integer():
        decimals = 0
    text = f"{mean:.{decimals}f}"
    if half_width is not None and not math.isnan(half_width):
        text += f" ± {half_width:.{decimals}f}"
    return text


def format_survival(entry: dict) -> str:
    """A Kaplan-Meier summary: ``median (no-event share)``; ``>T`` when not reached."""
    share = entry.get("no_event_share")
    if share is None:
        return "-"
    median = entry.get("median")
    text = f">{entry['longest']}" if median is None else f"{median:.0f}"
    return f"{text} ({share:.0%} none)"


def format_entry(entry: dict) -> str:
    """A summary entry of ``summarize_cells`` as table text."""
    if entry.get("kind") == "kaplan_meier":
        return format_survival(entry)
    return format_value(entry["mean"], entry["half_width"])


def format_interval(
    mean: float | None, low: float | None, high: float | None, percent: bool
) -> str:
    """``mean [low, high]`` (percentages when ``percent``), ``*`` if the interval excludes 0."""
    if mean is None:
        return "-"
    if percent:
        text = f"{mean:+.0%}"
        if low is not None and high is not None:
            text += f" [{low:+.0%}, {high:+.0%}]"
    else:
        scale = max(abs(mean), abs(low or 0.0), abs(high or 0.0))
        decimals = 0 if scale >= 100 else 1 if scale >= 1 else 2
        text = f"{mean:+.{decimals}f}"
        if low is not None and high is not None:
            text += f" [{low:+.{decimals}f}, {high:+.{decimals}f}]"
    if low is not None and high is not None and (low > 0 or high < 0):
        text += " *"
    return text


def _is_zero(entry: dict) -> bool:
    return entry.get("kind") != "kaplan_meier" and entry["mean"] == 0 and not entry["std"]


MIN_COLUMN_WIDTH = 11


def wrap_name(name: str, width: int) -> list[str]:
    """A metric name on lines of about ``width`` characters, broken after ``_`` or ``/``
    (never inside an agent name such as ``worker_0``)."""
    lines = [""]
    for piece in re.findall(r"(?:[^_/]|_(?=\d))+[_/]?|[_/]", name):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return lines


def _header_lines(agent: str, metric: str, width: int) -> list[str]:
    if agent == WORLD:
        return wrap_name(metric, width)
    return [agent, *wrap_name(metric.removeprefix("return/"), width)]


def _render(
    title: str, labels: list[str], label_title: str, columns: list[tuple[list[str], list[str]]]
) -> list[str]:
    """An aligned table: a label column and columns of (header lines, values)."""
    depth = max(len(h) for h, _ in columns)
    label_width = max(len(label_title), *(len(x) for x in labels))
    widths = [max(*(len(x) for x in h), *(len(v) for v in vals)) for h, vals in columns]
    lines = [title]
    for level in range(depth):
        cells = [label_title.ljust(label_width) if level == depth - 1 else " " * label_width]
        for (header, _), width in zip(columns, widths, strict=True):
            pad = depth - len(header)
            cells.append((header[level - pad] if level >= pad else "").rjust(width))
        lines.append("  ".join(cells).rstrip())
    lines.append("  ".join(["-" * label_width, *("-" * w for w in widths)]))
    for row, label in enumerate(labels):
        cells = [label.ljust(label_width)]
        cells += [vals[row].rjust(width) for (_, vals), width in zip(columns, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _wrap(columns: list, label_width: int, width: int) -> list[list]:
    groups: list[list] = [[]]
    used = label_width
    for column in columns:
        column_width = max(*(len(x) for x in column[0]), *(len(v) for v in column[1])) + 2
        if groups[-1] and used + column_width > width:
            groups.append([])
            used = label_width
        groups[-1].append(column)
        used += column_width
    return groups


def selected(agent: str, metric: str, patterns: Sequence[str] | None) -> bool:
    """Whether a metric matches one of the glob patterns (``metric`` or ``agent:metric``)."""
    if not patterns:
        return True
    return any(
        fnmatch.fnmatchcase(metric, p) or fnmatch.fnmatchcase(f"{agent}:{metric}", p)
        for p in patterns
    )


def format_tables(
    cells: Sequence[dict], width: int = 110, metrics: Sequence[str] | None = None
) -> str:
    """The table text for the per-cell summaries of ``summarize_cells``.

    ``metrics`` (glob patterns such as ``external_*`` or ``worker_0:return/*``)
    limits the columns; by default every metric is shown.
    """
    blocks: dict[tuple[str, str], list[dict]] = {}
    for cell in cells:
        blocks.setdefault((cell["env"], cell["preset"]), []).append(cell)
    out: list[str] = []
    for (env, preset), group in blocks.items():
        keys: list[tuple[str, str]] = []
        for cell in group:
            for entry in cell["summary"]:
                key = (entry["agent"], entry["metric"])
                if key not in keys and selected(*key, metrics):
                    keys.append(key)
        lookup = [{(e["agent"], e["metric"]): e for e in cell["summary"]} for cell in group]
        labels = [cell["policy_short"] for cell in group]
        roles = group[0]["roles"]
        label_title = f"policy ({'/'.join(roles)})" if roles else "policy"
        episodes = [str(cell["episodes"]) for cell in group]
        zero = [m for m in keys if all(m not in found or _is_zero(found[m]) for found in lookup)]
        header = f"{env} / {preset}: mean ± 95% CI half-width over n episodes"
        if any(e.get("kind") == "kaplan_meier" for cell in group for e in cell["summary"]):
            header += "; times to an event: Kaplan-Meier median (share without the event)"
        out += [header, "=" * len(header)]
        for title, wanted in (
            ("Hidden safety metrics", [m for m in keys if m[0] == WORLD]),
            ("Returns (agent, reward dimension)", [m for m in keys if m[0] != WORLD]),
        ):
            if not wanted:
                continue
            shown = [m for m in wanted if m not in zero]
            columns = [(["n"], episodes)]
            for key in shown:
                values = [format_entry(found[key]) if key in found else "-" for found in lookup]
                width_hint = max(MIN_COLUMN_WIDTH, *(len(v) for v in values))
                columns.append((_header_lines(*key, width_hint), values))
            label_width = max(len(label_title), *(len(x) for x in labels)) + 2
            parts = _wrap(columns[1:], label_width + 5, width) if shown else []
            for index, part in enumerate(parts):
                part_title = title if index == 0 else f"{title} (continued)"
                out += _render(part_title, labels, label_title, [columns[0], *part])
                out.append("")
            zeros = [f"{m[1]}" if m[0] == WORLD else f"{m[0]} {m[1]}" for m in wanted if m in zero]
            if zeros:
                out += [f"Zero in every cell: {', '.join(zeros)}", ""]
        out += _paired_sections(group, keys, zero, label_title, width)
    return "\n".join(out).rstrip() + "\n"


def _paired_sections(
    group: Sequence[dict], keys: list, zero: list, label_title: str, width: int
) -> list[str]:
    """One table per ``--baseline`` spec: each cell compared with its baseline cell."""
    specs = list(
        dict.fromkeys(row["baseline_spec"] for cell in group for row in cell.get("paired", ()))
    )
    out: list[str] = []
    for spec in specs:
        rows = []
        for cell in group:
            found = {
                (r["agent"], r["metric"]): r
                for r in cell.get("paired", ())
                if r["baseline_spec"] == spec
            }
            if found:
                rows.append((cell, found))
        labels = [
            f"{cell['policy_short']} - {next(iter(found.values()))['baseline_short']}"
            for cell, found in rows
        ]
        shown = [m for m in keys if m not in zero and any(m in found for _, found in rows)]
        if not shown:
            continue
        columns = [(["n"], [str(next(iter(found.values()))["n"]) for _, found in rows])]
        for key in shown:
            values = []
            for _, found in rows:
                row = found.get(key)
                values.append(
                    "-"
                    if row is None
                    else format_interval(
                        row["mean"], row["ci_low"], row["ci_high"], row["kind"] == "event_share"
                    )
                )
            hint = max(MIN_COLUMN_WIDTH, *(len(v) for v in values))
            columns.append((_header_lines(*key, hint), values))
        title = (
            f"Paired differences, --baseline {spec}: per-seed mean "
            "[bootstrap 95% interval], * excludes 0"
        )
        title_label = "policy - baseline"
        label_width = max(len(title_label), *(len(x) for x in labels)) + 2
        for index, part in enumerate(_wrap(columns[1:], label_width + 5, width)):
            part_title = title if index == 0 else f"{title} (continued)"
            out += _render(part_title, labels, title_label, [columns[0], *part])
            out.append("")
    return out


def format_compact(cells: Sequence[dict], metrics: Sequence[str] | None = None) -> str:
    """One short table per environment and preset, for a README: a row per policy, a column
    per selected metric (``metrics``: glob patterns as in :func:`format_tables`), each cell
    the mean over the episodes and, for a cell with a ``--baseline`` (the first spec), the mean
    per-seed difference with its baseline cell in brackets, ``*`` when its bootstrap 95%
    interval excludes 0."""
    blocks: dict[tuple[str, str], list[dict]] = {}
    for cell in cells:
        blocks.setdefault((cell["env"], cell["preset"]), []).append(cell)
    out: list[str] = []
    for (env, preset), group in blocks.items():
        keys: list[tuple[str, str]] = []
        for cell in group:
            for entry in cell["summary"]:
                key = (entry["agent"], entry["metric"])
                if key not in keys and selected(*key, metrics):
                    keys.append(key)
        if metrics:  # in the order of the patterns
            keys.sort(key=lambda k: next(i for i, p in enumerate(metrics) if selected(*k, [p])))
        specs = [row["baseline_spec"] for cell in group for row in cell.get("paired", ())]
        spec = specs[0] if specs else None
        header = f"{env} / {preset}"
        note = "mean over n episodes"
        if spec is not None:
            note += f" [per-seed difference with --baseline {spec}; * its 95% interval excludes 0]"
        columns = [(["n"], [str(cell["episodes"]) for cell in group])]
        for key in keys:
            values = []
            for cell in group:
                entry = next((e for e in cell["summary"] if (e["agent"], e["metric"]) == key), None)
                pair = next(
                    (
                        r
                        for r in cell.get("paired", ())
                        if r["baseline_spec"] == spec and (r["agent"], r["metric"]) == key
                    ),
                    None,
                )
                text = "-" if entry is None else _compact_number(entry["mean"])
                if pair is not None:
                    star = "*" if pair["ci_low"] > 0 or pair["ci_high"] < 0 else ""
                    text += f" [{_compact_number(pair['mean'], sign=True)}{star}]"
                values.append(text)
            columns.append((_header_lines(*key, MIN_COLUMN_WIDTH), values))
        labels = [cell["policy_short"] for cell in group]
        roles = group[0]["roles"]
        label_title = f"policy ({'/'.join(roles)})" if roles else "policy"
        out += [header, *_render(note, labels, label_title, columns), ""]
    return "\n".join(out).rstrip() + "\n"


def _compact_number(value: float | None, sign: bool = False) -> str:
    """About three significant digits (whole numbers from 100 on), no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    scale = abs(value)
    decimals = 0 if scale >= 100 else 1 if scale >= 10 else 2
    text = f"{value:{'+' if sign else ''}.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "+0"):  # a rounded zero has no sign of its own
        text = "+0" if sign else "0"
    return text
