"""The spaces of a batch: the one place that builds them, single and batched.

Single spaces are one agent's spaces of the pycolab path (:mod:`ai_safety_gridworlds.core.spaces`),
so ``vector_env(...).single_observation_space[agent] == parallel_env(...).observation_space(agent)``
for the same config. Batched spaces have a leading ``num_envs`` axis: a Box becomes a
:class:`BatchedBox` (what Gymnasium's ``batch_space`` gives, a Box of shape ``(num_envs,
*single.shape)`` with the same bounds per environment, but whose ``low``, ``high`` and bound
masks are read-only broadcast views of the single space's, so it costs the single space's memory
rather than four arrays of the whole batch's size), anything else Gymnasium's ``batch_space``
(a ``MultiDiscrete`` with the single space's ``start``). :class:`~ai_safety_gridworlds.batch.
vector.VectorEnv` builds them on first use, through :func:`batched`.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from ai_safety_gridworlds.batch.spec import BatchSpec
from ai_safety_gridworlds.core import spaces as core_spaces


def single_observation_spaces(
    spec: BatchSpec, layout: str, encoding: str = "onehot"
) -> dict[str, spaces.Box]:
    """Each agent's observation space: uint8, channels first or last; with ``encoding=
    "packed"``, a uint8 Box of shape ((C*h*w + 7) // 8,) (any byte: the packed bits)."""
    if encoding == "packed":
        return {
            agent: spaces.Box(
                0, 255, ((int(np.prod(spec.observation_shapes[agent])) + 7) // 8,), np.uint8
            )
            for agent in spec.possible_agents
        }
    high = 1 if spec.channel_high is None else spec.channel_high
    return {
        agent: core_spaces.observation_space(high, spec.observation_shapes[agent], layout)
        for agent in spec.possible_agents
    }


def single_action_spaces(spec: BatchSpec) -> dict[str, spaces.Discrete]:
    """Each agent's action space: its legal actions, keeping their numbers."""
    return {
        agent: core_spaces.action_space(spec.legal_actions[agent]) for agent in spec.possible_agents
    }


def single_reward_spaces(spec: BatchSpec) -> dict[str, spaces.Box]:
    """Each agent's vector reward space (float32 per reward dimension)."""
    bounds = spec.reward_bounds or {}
    return {
        agent: core_spaces.reward_space(len(spec.reward_dims[agent]), bounds.get(agent))
        for agent in spec.possible_agents
    }


def agents_dict(by_agent: dict[str, spaces.Space]) -> spaces.Dict:
    """A Dict space keyed by agent, in the given (``possible_agents``) order (a plain dict
    would be sorted by name: agent_10 before agent_2)."""
    return spaces.Dict(collections.OrderedDict(by_agent))


class BatchedBox(spaces.Box):
    """``single`` repeated over ``num_envs`` environments: a ``gymnasium.spaces.Box`` of shape
    ``(num_envs, *single.shape)`` and ``single``'s dtype, equal to ``batch_space(single,
    num_envs)``, whose ``low``, ``high``, ``bounded_below`` and ``bounded_above`` are read-only
    broadcast views of ``single``'s (no memory per environment; building one takes
    microseconds whatever ``num_envs``). ``sample``, ``contains``, ``==``, ``repr``, pickling and
    ``gymnasium.spaces.utils`` work as on any Box; an operation that needs a writable or
    contiguous bound array (e.g. ``flatten_space``) makes its own copy. ``single`` is kept.
    Raises ``ValueError`` for ``num_envs < 1``.
    """

    def __init__(self, single: spaces.Box, num_envs: int, seed: Any = None):
        if (
            isinstance(num_envs, bool)
            or not isinstance(num_envs, (int, np.integer))
            or num_envs < 1
        ):
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        shape = (int(num_envs), *single.shape)
        self.single = single
        self.dtype = single.dtype
        self._shape = shape
        self.low = np.broadcast_to(single.low, shape)
        self.high = np.broadcast_to(single.high, shape)
        self.bounded_below = np.broadcast_to(single.bounded_below, shape)
        self.bounded_above = np.broadcast_to(single.bounded_above, shape)
        self.low_repr = None
        self.high_repr = None
        spaces.Space.__init__(self, shape, self.dtype, seed)

    def __eq__(self, other: object, /) -> bool:
        if isinstance(other, BatchedBox):  # compare the single spaces, not the whole batch
            return self.shape == other.shape and self.single == other.single
        return super().__eq__(other)

    def __reduce__(self) -> tuple:
        # the bounds come back as views of the single space; the random generator as it was
        return (type(self), (self.single, self.shape[0]), {"_np_random": self._np_random})


def batched(space: spaces.Space, num_envs: int) -> spaces.Space:
    """``space`` for ``num_envs`` environments (a Dict of agents: each agent's batched, same
    order; a Box: a :class:`BatchedBox`)."""
    if isinstance(space, spaces.Dict):
        return agents_dict({key: batched(sub, num_envs) for key, sub in space.items()})
    if type(space) is spaces.Box:
        return BatchedBox(space, num_envs)
    return batch_space(space, num_envs)
