"""The benchmark's results: rows written as episodes finish, summaries, JSON.

``results.csv`` has one row per environment, preset, policy, seed, episode,
agent and metric, with the columns ``env, preset, policy, seed, agent,
metric, value, episode``. Metrics are ``return/<DIM>`` for each agent's
return in each reward dimension and the environment's hidden safety metrics
(agent ``world``).

A run claims its output folder: the first of ``--out``, ``--out-1``, ... in
which it can create ``results.csv`` exclusively (:func:`ai_safety_gridworlds.files.claim_directory`),
so a new run never writes over an earlier run's results, and two runs started
together never share a folder. While the run goes on, each finished episode's
rows are appended to its ``results.csv`` with one unbuffered write, so the
file holds every finished episode even if the process is killed. When the
run ends (or is stopped with Ctrl-C) the file is rewritten in a fixed order
(cell, seed, episode) under a temporary name of its own and renamed over
itself, so the final file is the same whatever the backend or worker count.
Every other file (``results.json``, ``table.txt``, plots) is written whole
under a temporary name and then given its final name, never replacing one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ai_safety_gridworlds import files
from ai_safety_gridworlds.logs import format_number
from experiments.safety_benchmark.episode import EpisodeResult
from experiments.safety_benchmark.matrix import WORLD, Cell, resolve_env
from experiments.safety_benchmark.paired import paired_rows
from experiments.safety_benchmark.stats import summarize
from experiments.safety_benchmark.survival import censored_time, kaplan_meier

COLUMNS = ("env", "preset", "policy", "seed", "agent", "metric", "value", "episode")


def csv_rows(cell: Cell, result: EpisodeResult) -> list[list[str]]:
    """One episode's rows as CSV fields."""
    return [
        [
            cell.env,
            cell.preset,
            cell.policy.label,
            str(result.seed),
            agent,
            metric,
            format_number(value),
            str(result.episode),
        ]
        for agent, metric, value in result.rows
    ]


def _csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to a file descriptor (one unbuffered write, repeated
    only if the system writes less)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def sort_key(result: EpisodeResult) -> tuple[int, int, int]:
    """The fixed order of episodes: cell, seed, episode."""
    return (result.cell_index, result.seed, result.episode)


class ResultsWriter:
    """Keeps the finished episodes and appends their rows to ``results.csv`` at once.

    ``out_dir`` is where the run was asked to write; :attr:`out_dir` is the
    folder it claimed (``out_dir`` itself, or ``out_dir-1``, ... when that holds
    an earlier run's ``results.csv``).
    """

    def __init__(self, out_dir: str, cells: Sequence[Cell]):
        self.out_dir, self._fd = files.claim_directory(out_dir, "results.csv")
        self.cells = list(cells)
        self.results: list[EpisodeResult] = []
        self.csv_path = os.path.join(self.out_dir, "results.csv")
        write_all(self._fd, _csv_text([COLUMNS]).encode())

    def add(self, result: EpisodeResult) -> None:
        """Record one finished episode and append its rows to the file."""
        self.results.append(result)
        text = _csv_text(csv_rows(self.cells[result.cell_index], result))
        write_all(self._fd, text.encode())

    def close(self) -> None:
        """Stop appending; rewrite ``results.csv`` in the fixed order."""
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
        rows = [COLUMNS]
        for result in self.sorted_results():
            rows += csv_rows(self.cells[result.cell_index], result)
        files.replace_own(self.csv_path, _csv_text(rows))

    def sorted_results(self) -> list[EpisodeResult]:
        return sorted(self.results, key=sort_key)


def read_results_csv(path: str) -> list[dict[str, Any]]:
    """Rows of a ``results.csv``: seed and episode as ints, value as float."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["seed"], row["episode"] = int(row["seed"]), int(row["episode"])
        row["value"] = float(row["value"])
    return rows


# ---------------------------------------------------------------------------
# Summaries


def censored_metrics(env: str) -> dict[str, str | None]:
    """The environment's censored safety metrics (``MultiAgentGame.censored_metrics``); none
    for a name no environment has (summaries of hand-made results)."""
    try:
        game_class = resolve_env(env).game_class
    except ValueError:
        return {}
    return dict(getattr(game_class, "censored_metrics", {}))


def summarize_metric(
    agent: str,
    metric: str,
    sample: Sequence[float],
    episodes: Sequence[EpisodeResult],
    censored: dict[str, str | None],
) -> dict:
    """One (agent, metric)'s summary: mean and Student-t 95% CI (``kind`` "mean"), or for a
    censored metric the Kaplan-Meier median and no-event share (``kind`` "kaplan_meier")."""
    if agent == WORLD and metric in censored:
        times = []
        for result in episodes:
            safety = {m: v for a, m, v in result.rows if a == WORLD}
            time = censored_time(safety, metric, censored[metric], result.ticks)
            if time is not None:
                times.append(time)
        return {"agent": agent, "metric": metric, **kaplan_meier(times).to_dict()}
    return {"agent": agent, "metric": metric, "kind": "mean", **summarize(sample).to_dict()}


def summarize_cells(cells: Sequence[Cell], results: Sequence[EpisodeResult]) -> list[dict]:
    """Per cell: episodes done, each (agent, metric)'s summary (:func:`summarize_metric`), the
    paired comparisons with its baselines (:func:`.paired.paired_rows`), mean return curves."""
    by_cell: dict[int, list[EpisodeResult]] = {}
    for result in sorted(results, key=sort_key):
        by_cell.setdefault(result.cell_index, []).append(result)
    summaries = []
    for index, cell in enumerate(cells):
        done = by_cell.get(index, [])
        censored = censored_metrics(cell.env)
        values: dict[tuple[str, str], list[float]] = {}
        for result in done:
            for agent, metric, value in result.rows:
                values.setdefault((agent, metric), []).append(value)
        summaries.append(
            {
                "env": cell.env,
                "preset": cell.preset,
                "policy": cell.policy.label,
                "policy_short": cell.policy.short_label,
                "roles": [role for role, _ in cell.policy.roles],
                "overrides": dict(cell.overrides),
                "episodes": len(done),
                "summary": [
                    summarize_metric(agent, metric, sample, done, censored)
                    for (agent, metric), sample in values.items()
                ],
                "paired": paired_rows(cell, cells, by_cell, censored),
                "return_curves": _mean_curves(done),
            }
        )
    return summaries


def _mean_curves(results: Sequence[EpisodeResult]) -> dict[str, Any]:
    if not results:
        return {}
    first = results[0]
    curves: dict[str, Any] = {"ticks": first.curve_ticks}
    for agent, dims in first.reward_dims.items():
        stacked = np.array([r.curves[agent] for r in results], dtype=np.float64)
        mean = stacked.mean(axis=0)
        curves[agent] = {dim: mean[:, i].tolist() for i, dim in enumerate(dims)}
    return curves


def write_json(
    path: str, meta: dict, cells: Sequence[Cell], results: Sequence[EpisodeResult]
) -> tuple[dict, str]:
    """Write ``results.json`` (meta, per-cell summaries, every row): its content and file name.

    The file never replaces another (a taken name gets a ``-1``, ... suffix).
    """
    rows = []
    for result in sorted(results, key=sort_key):
        cell = cells[result.cell_index]
        for agent, metric, value in result.rows:
            rows.append(
                {
                    "env": cell.env,
                    "preset": cell.preset,
                    "policy": cell.policy.label,
                    "seed": result.seed,
                    "episode": result.episode,
                    "episode_seed": result.episode_seed,
                    "agent": agent,
                    "metric": metric,
                    "value": value,
                }
            )
    content = {"meta": meta, "cells": summarize_cells(cells, results), "rows": rows}
    written = files.write_new(path, json.dumps(content, indent=1, allow_nan=False) + "\n")
    return content, written
