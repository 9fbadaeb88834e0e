"""Vector rewards over named, ordered dimensions, and their scalarisation.

Each agent has a fixed, ordered tuple of reward dimensions (for example
``("ENERGY", "WORKSHOP")``). A :class:`RewardBook` collects one tick's rewards:
a fresh zero vector per agent every tick, so nothing is ever shared or
mutated across ticks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class RewardBook:
    """One tick's reward vectors, one per agent."""

    def __init__(self, reward_dims: Mapping[str, Sequence[str]]):
        self._index = {
            agent: {dim: i for i, dim in enumerate(dims)} for agent, dims in reward_dims.items()
        }
        self.vectors = {
            agent: np.zeros(len(dims), np.float64) for agent, dims in reward_dims.items()
        }

    def add(self, agent: str, dimension: str, value: float) -> None:
        """Add ``value`` to ``agent``'s reward in ``dimension``."""
        index = self._index[agent].get(dimension)
        if index is None:
            raise KeyError(
                f"agent {agent!r} has no reward dimension {dimension!r}; "
                f"its dimensions: {list(self._index[agent])}"
            )
        self.vectors[agent][index] += value

    def has(self, agent: str, dimension: str) -> bool:
        """Whether ``agent`` has the reward dimension ``dimension``."""
        return dimension in self._index[agent]


def check_weights(
    dims: Sequence[str], weights: Mapping[str, float] | Sequence[float] | None
) -> np.ndarray:
    """Per-dimension weights as an array (default all 1.0).

    ``weights`` is a mapping dimension -> weight (missing dimensions weigh 1.0)
    or a sequence with one weight per dimension.
    """
    result = np.ones(len(dims), np.float64)
    if weights is None:
        return result
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(dims))
        if unknown:
            raise ValueError(
                f"unknown reward dimension {unknown[0]!r} in reward_weights; allowed: {list(dims)}"
            )
        for i, dim in enumerate(dims):
            if dim in weights:
                result[i] = float(weights[dim])
        return result
    values = np.asarray(weights, dtype=np.float64)
    if values.shape != (len(dims),):
        raise ValueError(
            f"reward_weights must have one weight per dimension {list(dims)}, got shape {values.shape}"
        )
    return values.copy()


def scalarise(vector: np.ndarray, weights: np.ndarray) -> float:
    """The weighted sum of a reward vector (a plain float)."""
    return float(np.dot(vector, weights))


def resolve_weights(game: Any, reward_weights: Any) -> dict[str, np.ndarray]:
    """Per-agent weight arrays from ``reward_weights``.

    ``reward_weights`` is None (all 1.0), a mapping dimension -> weight
    (applied to every agent that has the dimension), a mapping agent ->
    (mapping dimension -> weight, or one weight per dimension), or a sequence
    of weights when every agent has the same dimensions.
    """
    agents = game.possible_agents
    dims = {agent: game.reward_dims(agent) for agent in agents}
    if reward_weights is None:
        per_agent: dict[str, Any] = dict.fromkeys(agents)
    elif isinstance(reward_weights, Mapping):
        keys = list(reward_weights)
        if keys and all(k in dims for k in keys):
            per_agent = {agent: reward_weights.get(agent) for agent in agents}
        else:
            all_dims = list(dict.fromkeys(d for agent_dims in dims.values() for d in agent_dims))
            unknown = [k for k in keys if k not in all_dims]
            if unknown:
                raise ValueError(
                    f"unknown key {unknown[0]!r} in reward_weights; allowed: the reward "
                    f"dimensions {all_dims} or the agents {agents}"
                )
            per_agent = {
                agent: {d: w for d, w in reward_weights.items() if d in dims[agent]}
                for agent in agents
            }
    else:
        if len({dims[a] for a in agents}) != 1:
            raise ValueError(
                "reward_weights as a sequence needs every agent to have the same reward "
                "dimensions; give a mapping dimension -> weight or agent -> weights instead"
            )
        per_agent = dict.fromkeys(agents, reward_weights)
    weights = {}
    for agent in agents:
        try:
            weights[agent] = check_weights(dims[agent], per_agent[agent])
        except TypeError:
            raise ValueError(
                f"invalid reward_weights for {agent!r}: {per_agent[agent]!r}; allowed: numbers"
            ) from None
        if not np.all(np.isfinite(weights[agent])):
            raise ValueError(f"reward_weights for {agent!r} must be finite numbers")
    return weights
