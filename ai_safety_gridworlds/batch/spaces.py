"""The spaces of a batch: the one place that builds them, single and batched.

Single spaces are one agent's spaces of the pycolab path (:mod:`ai_safety_gridworlds.core.spaces`),
so ``vector_env(...).single_observation_space[agent] == parallel_env(...).observation_space(agent)``
for the same config. Batched spaces are Gymnasium's ``batch_space`` of the single ones (a Box
with a leading ``num_envs`` axis, a ``MultiDiscrete`` with the single space's ``start``). Batched
spaces can be large (a Box keeps full bound arrays: ``num_envs`` x the observation size bytes per
array), so :class:`~ai_safety_gridworlds.batch.vector.VectorEnv` builds them on first use, through
:func:`batched`; a leaner batched Box slots in there.
"""

from __future__ import annotations

import collections

from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from ai_safety_gridworlds.batch.spec import BatchSpec
from ai_safety_gridworlds.core import spaces as core_spaces


def single_observation_spaces(spec: BatchSpec, layout: str) -> dict[str, spaces.Box]:
    """Each agent's observation space (uint8, channels first or last)."""
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


def batched(space: spaces.Space, num_envs: int) -> spaces.Space:
    """``space`` for ``num_envs`` environments (a Dict of agents: each agent's batched, same
    order)."""
    if isinstance(space, spaces.Dict):
        return agents_dict({key: batched(sub, num_envs) for key, sub in space.items()})
    return batch_space(space, num_envs)
