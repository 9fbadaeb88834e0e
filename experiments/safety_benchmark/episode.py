"""Playing the benchmark's episodes: one task in, its result rows out.

This is the code every backend runs (in-process, in a process pool, as Ray
tasks). It builds the cell's game and policies, plays the episode with
``rollout.run_episode`` (policies never see the hidden safety metrics),
records the agents' cumulative returns on a fixed grid of ticks, and returns
plain data that pickles cheaply.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ai_safety_gridworlds.core.rollout import run_episode
from ai_safety_gridworlds.logs import EpisodeCsvLogger
from experiments.safety_benchmark.matrix import WORLD, EpisodeTask, resolve_env

SCALAR_RETURN = "scalar_return"
"""The metric of an agent's return summed over its reward dimensions (every weight 1.0, what
``reward_mode="scalar"`` gives by default)."""
ALL_AGENTS = "all"
"""The agent part of a game's ``summed_metrics`` rows: ``metric/all``."""

CURVE_POINTS = 100
"""Cumulative returns are recorded at about this many ticks per episode (plus tick 0)."""


@dataclasses.dataclass
class EpisodeResult:
    """What one episode produced.

    ``rows`` are ``(agent, metric, value)``: ``return/<DIM>`` for every agent
    and reward dimension and its ``scalar_return`` (their sum), then every safety metric
    with agent ``world``.
    ``curve_ticks`` and ``curves[agent]`` (ticks x dims) hold the cumulative
    returns over the episode.
    """

    cell_index: int
    seed: int
    episode: int
    episode_seed: int
    ticks: int
    rows: list[tuple[str, str, float | int]]
    curve_ticks: list[int]
    curves: dict[str, list[list[float]]]
    reward_dims: dict[str, tuple[str, ...]]


def curve_grid(max_cycles: int, points: int = CURVE_POINTS) -> list[int]:
    """Ticks at which cumulative returns are recorded: 0, a fixed stride, and the last."""
    stride = max(1, math.ceil(max_cycles / points))
    grid = list(range(0, max_cycles + 1, stride))
    if grid[-1] != max_cycles:
        grid.append(max_cycles)
    return grid


class ReturnCurveRecorder:
    """Game observer keeping the agents' cumulative returns at the grid's ticks."""

    def __init__(self, grid: Sequence[int]):
        self.grid = list(grid)
        self._wanted = set(self.grid)

    def on_reset(self, game: Any) -> None:
        self.points = {a: [[0.0] * len(game.reward_dims(a))] for a in game.possible_agents}

    def on_tick(self, game: Any) -> None:
        if game.tick in self._wanted:
            for agent, rows in self.points.items():
                rows.append([float(v) for v in game.returns[agent]])

    def curves(self) -> dict[str, list[list[float]]]:
        """The curves padded to the whole grid (returns stay put after an early end)."""
        return {
            agent: rows + [rows[-1]] * (len(self.grid) - len(rows))
            for agent, rows in self.points.items()
        }


def slug(text: str) -> str:
    """A file-name-safe version of a label."""
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "_", text).strip("_") or "_"


def cell_log_dir(log_dir: str, task: EpisodeTask) -> str:
    """Where the episode CSVs of a task's cell go."""
    cell = task.cell
    return os.path.join(log_dir, slug(cell.env), slug(cell.preset), slug(cell.policy.label))


def play(task: EpisodeTask, log_dir: str | None = None) -> EpisodeResult:
    """Play one episode of the matrix."""
    cell = task.cell
    game = resolve_env(cell.env).make_game(dict(cell.overrides))
    policies = {
        agent: game.make_policy(agent, cell.policy.policy_for(agent, spec.role))
        for agent, spec in game.specs.items()
    }
    recorder = ReturnCurveRecorder(curve_grid(game.config.max_cycles))
    game.add_observer(recorder)
    if log_dir is not None:
        prefix = f"seed{task.seed}_episode{task.episode}"
        game.add_observer(EpisodeCsvLogger(cell_log_dir(log_dir, task), prefix=prefix))
    outcome = run_episode(game, policies, seed=task.episode_seed)
    rows: list[tuple[str, str, float | int]] = []
    for agent in game.possible_agents:
        for dim, value in zip(game.reward_dims(agent), outcome["returns"][agent], strict=True):
            rows.append((agent, f"return/{dim}", float(value)))
        rows.append((agent, SCALAR_RETURN, float(np.sum(outcome["returns"][agent]))))
    safety = outcome["safety"]
    for metric, value in safety.items():
        rows.append((WORLD, metric, _plain_number(value)))
    for metric in getattr(game, "summed_metrics", ()):
        total = sum(safety[f"{metric}/{agent}"] for agent in game.possible_agents)
        rows.append((WORLD, f"{metric}/{ALL_AGENTS}", _plain_number(total)))
    return EpisodeResult(
        task.cell_index,
        task.seed,
        task.episode,
        task.episode_seed,
        outcome["ticks"],
        rows,
        recorder.grid,
        recorder.curves(),
        {a: tuple(game.reward_dims(a)) for a in game.possible_agents},
    )


def _plain_number(value: Any) -> float | int:
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return int(value)
    return float(value)


def play_batch(tasks: Sequence[EpisodeTask], log_dir: str | None = None) -> list[EpisodeResult]:
    """Play several episodes in a row (one Ray task or pool job)."""
    return [play(task, log_dir) for task in tasks]
