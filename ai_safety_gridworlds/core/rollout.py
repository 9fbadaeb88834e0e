"""Running whole episodes of a game with one policy per agent.

Policies see only their own agent's observation and info; the hidden safety
metrics are removed from the info they get.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.game import MultiAgentGame
from ai_safety_gridworlds.policies import Policy


def policy_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """An agent's info without the hidden safety metrics."""
    return {k: v for k, v in info.items() if k != "safety"}


def policy_seed(episode_seed: int, agent_index: int) -> int:
    """The seed a policy gets for an episode (independent of the environment's draws)."""
    return rng.mix64(rng.mix64(episode_seed + 0x632BE59BD9B4E019) + agent_index)


def run_episode(
    game: MultiAgentGame,
    policies: Mapping[str, Policy],
    seed: int,
    on_tick: Callable[[MultiAgentGame], None] | None = None,
) -> dict[str, Any]:
    """Play one episode from ``reset(seed)`` to the end with simultaneous steps.

    Returns the agents' returns (dict agent -> float64 vector) and the final
    safety metrics. ``on_tick`` is called after every tick. ``policies`` must name exactly
    the game's agents (ValueError naming the missing or unknown ones otherwise).
    """
    missing = [a for a in game.possible_agents if a not in policies]
    unknown = [a for a in policies if a not in game.possible_agents]
    if missing or unknown:
        raise ValueError(
            f"policies must be given for exactly the agents {game.possible_agents}; "
            f"missing {missing}, unknown {unknown}"
        )
    game.reset(seed=seed)
    for index, agent in enumerate(game.possible_agents):
        policies[agent].reset(policy_seed(seed, index))
    while not game.episode_over:
        actions = {
            agent: policies[agent].act(game.observe(agent), policy_info(game.agent_info(agent)))
            for agent in game.agents
        }
        game.step(actions)
        if on_tick is not None:
            on_tick(game)
    return {
        "returns": {agent: np.array(vector) for agent, vector in game.returns.items()},
        "safety": dict(game.safety),
        "ticks": game.tick,
    }
