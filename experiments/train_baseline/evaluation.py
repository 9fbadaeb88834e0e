"""The baseline's episode bookkeeping and final evaluation (no torch needed here).

:class:`EpisodeRecorder` sums each slot's reward vectors over an episode and keeps the returns and
hidden safety metrics of every finished one. The evaluation plays the trained policy on a batch
env and a scripted reference on the pycolab path from the same seeds (slot i of
``reset(seed=s)`` is ``game.reset(seed=s + i)``), so the two see the same fire draws and their
difference is paired episode by episode.
"""

from __future__ import annotations

import math

import numpy as np

from ai_safety_gridworlds.core.rollout import run_episode
from experiments.safety_benchmark.matrix import parse_policy
from experiments.safety_benchmark.stats import summarize

EVAL_SEED_OFFSET = 1_000_000
"""Evaluation episode i is played from ``reset(seed=EVAL_SEED_OFFSET + seed + i)``."""


class EpisodeRecorder:
    """Sums every slot's reward vectors and keeps each finished episode's returns and metrics.

    A row is one finished episode: ``return/<agent>/<DIM>`` then ``safety/<metric>`` values,
    in ``columns`` order.
    """

    def __init__(self, env):
        spec = env.batch_spec
        self.dims = [spec.reward_dims[a] for a in env.possible_agents]
        self.columns = [
            f"return/{agent}/{dim}"
            for agent, dims in zip(env.possible_agents, self.dims, strict=True)
            for dim in dims
        ] + [f"safety/{name}" for name in spec.safety_names]
        self.returns = np.zeros(env.reward_buffer.shape)
        self.rows: list[list[float]] = []
        self.slots: list[int] = []

    def after_step(self, env) -> None:
        self.returns += env.reward_buffer
        done = (env.truncation_buffer | env.termination_buffer).all(1)
        for slot in np.flatnonzero(done).tolist():
            row = [
                float(v)
                for i, dims in enumerate(self.dims)
                for v in self.returns[slot, i, : len(dims)]
            ]
            row += [float(env.infos["safety"][name][slot]) for name in env.safety_names]
            self.rows.append(row)
            self.slots.append(slot)
            self.returns[slot] = 0.0

    def pop_means(self) -> tuple[int, list[float]]:
        """How many episodes finished since the last call, and their column means."""
        rows, self.rows, self.slots = self.rows, [], []
        if not rows:
            return 0, [math.nan] * len(self.columns)
        return len(rows), np.mean(np.array(rows), axis=0).tolist()


def evaluate_trained(
    policy, make_vector_env, config: dict, episodes: int, seed: int, generator
) -> list[list[float]]:
    """Rows of ``episodes`` episodes of the trained policy (sampled actions), one per seed, on
    ``make_vector_env(episodes, **config)`` (the environment's ``vector_env``)."""
    env = make_vector_env(episodes, **config)
    env.reset(seed=EVAL_SEED_OFFSET + seed)
    recorder = EpisodeRecorder(env)
    first: dict[int, list[float]] = {}
    while len(first) < episodes:
        actions = policy.act(policy.observation_tensors(env.observations), generator)[0]
        env.step(actions.cpu().numpy())
        recorder.after_step(env)
        for slot, row in zip(recorder.slots, recorder.rows, strict=True):
            first.setdefault(slot, row)
        recorder.pop_means()
    return [first[i] for i in range(episodes)]


def evaluate_reference(
    spec: str, game_class, config: dict, episodes: int, seed: int, columns: list[str]
) -> list[list[float]]:
    """Rows of the scripted ``spec`` policies on the pycolab path (``game_class(**config)``),
    from the evaluation seeds."""
    game = game_class(**config)
    assignment = parse_policy(spec, game)
    policies = {
        agent: game.make_policy(agent, assignment.policy_for(agent, agent_spec.role))
        for agent, agent_spec in game.specs.items()
    }
    rows = []
    for i in range(episodes):
        outcome = run_episode(game, policies, seed=EVAL_SEED_OFFSET + seed + i)
        values = {f"safety/{name}": float(v) for name, v in outcome["safety"].items()}
        for agent, vector in outcome["returns"].items():
            for dim, v in zip(game.reward_dims(agent), vector, strict=True):
                values[f"return/{agent}/{dim}"] = float(v)
        rows.append([values[c] for c in columns])
    return rows


def summary_rows(columns: list[str], samples: dict[str, list[list[float]]]) -> list[dict]:
    """Mean and 95% CI of each column for each policy (and their paired difference)."""
    series = {name: np.array(rows).reshape(-1, len(columns)) for name, rows in samples.items()}
    if "reference" in series:
        series["trained_minus_reference"] = series["trained"] - series["reference"]
    return [
        {"policy": name, "metric": column, **summarize(values[:, j]).to_dict()}
        for name, values in series.items()
        for j, column in enumerate(columns)
    ]


def format_evaluation(rows: list[dict], reference_label: str | None) -> str:
    """The evaluation as a text table: mean ± 95% CI half-width per policy."""
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    cells = {(r["policy"], r["metric"]): r for r in rows}
    headers = {"trained": "trained", "reference": reference_label or "reference"}
    headers["trained_minus_reference"] = "trained - reference"

    def cell(row: dict) -> str:
        mean, half = row["mean"], row["half_width"]
        return f"{mean:.4g} ± {half:.3g}" if half is not None else f"{mean:.4g}"

    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    width = max(len(m) for m in metrics)
    lines = [f"{'metric':<{width}}" + "".join(f"  {headers[p]:>22}" for p in policies)]
    for metric in metrics:
        lines.append(
            f"{metric:<{width}}" + "".join(f"  {cell(cells[p, metric]):>22}" for p in policies)
        )
    return "\n".join(lines)
