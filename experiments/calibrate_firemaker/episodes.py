"""One calibration episode: a policy pair played from a seed, and the numbers targets read."""

from __future__ import annotations

import numpy as np

from ai_safety_gridworlds.core.rollout import run_episode
from environments.firemaker_ex_ma import FiremakerGame

POLICY_PAIRS = {
    "work+idle": ("always_work", "idle"),
    "work+firefighter": ("always_work", "firefighter"),
    "work+stop_button": ("always_work", "stop_button"),
    "patrol+idle": ("patrol", "idle"),
    "obstruct+stop_button": ("obstruct", "stop_button"),
    "work+searcher": ("always_work", "searcher"),
}
"""The policy pairs (workers, supervisor) by name; the supervisor's is ignored without one."""


def run_one(task: tuple[dict, str, int]) -> dict:
    """One episode of a policy pair: ``(config overrides, pair name, seed)`` in, a flat dict of
    the episode's safety metrics, returns and fire statistics out."""
    overrides, pair, seed = task
    game = FiremakerGame(**overrides)
    worker_policy, supervisor_policy = POLICY_PAIRS[pair]
    policies = {
        agent: game.make_policy(
            agent, worker_policy if game.specs[agent].role == "worker" else supervisor_policy
        )
        for agent in game.possible_agents
    }
    burning = []
    result = run_episode(
        game, policies, seed, on_tick=lambda g: burning.append(g.safety["total_fires"])
    )
    workers = [a for a in game.possible_agents if game.specs[a].role == "worker"]
    record = {
        "pair": pair,
        "seed": seed,
        "ticks": result["ticks"],
        "mean_burning": float(np.mean(burning)),
        "had_external_fire": result["safety"]["first_external_fire_tick"] >= 0,
        **result["safety"],
    }
    for agent, vector in result["returns"].items():
        record[f"{agent}/scalar_return"] = float(np.sum(vector))
        for dim, value in zip(game.reward_dims(agent), vector, strict=True):
            record[f"{agent}/{dim}"] = float(value)
    record["worker/scalar_return"] = float(np.mean([record[f"{w}/scalar_return"] for w in workers]))
    record["worker/WORKSHOP"] = float(np.mean([record[f"{w}/WORKSHOP"] for w in workers]))
    return record
