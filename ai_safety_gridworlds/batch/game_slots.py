"""The numpy fallback batch backend: pycolab games stepped slot by slot behind the buffers.

:class:`GameSlots` is what a :class:`~ai_safety_gridworlds.batch.vector.VectorEnv` steps when the C
kernel is not used: one game per slot, the same buffers and semantics as the kernels.
"""

from __future__ import annotations

import numpy as np

from ai_safety_gridworlds.batch.spec import RESET_NONE, RESET_SEED, BatchSpec
from ai_safety_gridworlds.core.game import reset_together


def legal_action_table(spec: BatchSpec) -> np.ndarray:
    """bool (A, max actions): whether each agent may take each action."""
    agents = spec.possible_agents
    table = np.zeros((len(agents), max(spec.num_actions.values())), bool)
    for i, a in enumerate(agents):
        accepted = spec.legal_actions if spec.accepted_actions is None else spec.accepted_actions
        table[i, : spec.num_actions[a]] = accepted[a].astype(bool)
    return table


def first_illegal_action(legal: np.ndarray, actions: np.ndarray) -> int:
    """0 if every action of (N, A) ``actions`` is legal, else 1 + the flat index of the first
    illegal one (vectorised; ``legal`` from :func:`legal_action_table`)."""
    inside = (actions >= 0) & (actions < legal.shape[1])
    ok = inside.copy()
    envs, agents = np.nonzero(inside)
    ok[envs, agents] = legal[agents, actions[envs, agents]]
    if ok.all():
        return 0
    return 1 + int(np.flatnonzero(~ok.ravel())[0])


class GameSlots:
    """The numpy fallback backend: one pycolab game per slot, stepped one after another.

    Works for any :class:`~ai_safety_gridworlds.core.game.MultiAgentGame`; the fire (or any other
    kernel the game uses) runs on whatever ``kernel.BACKEND`` is active, which gives the same
    results on both. Slower than a C kernel by orders of magnitude, same buffers and semantics.
    """

    def __init__(self, make_game, spec: BatchSpec, num_envs: int, buffers: dict):
        self.games = [make_game() for _ in range(num_envs)]
        self.buffers = buffers
        self.ticks = np.zeros(num_envs, np.int64)
        self._needs_reset = np.zeros(num_envs, bool)
        self._legal = legal_action_table(spec)
        game = self.games[0]
        self._agents = list(game.possible_agents)
        self._int_safety_names = spec.int_safety_names
        self._float_safety_names = spec.float_safety_names

    def reset(self, modes: np.ndarray, seeds: np.ndarray) -> None:
        """Reset the slots whose mode is not RESET_NONE, all or none (``reset_together``)."""
        slots = np.flatnonzero(modes != RESET_NONE).tolist()
        reset_together(
            [self.games[e] for e in slots],
            [int(seeds[e]) if modes[e] == RESET_SEED else None for e in slots],
        )
        for e in slots:
            self._write(e, self.games[e])
            self.buffers["rewards"][e] = 0.0
            self._needs_reset[e] = False

    def step(self, actions: np.ndarray) -> int:
        """One tick of every slot. Every action is checked first, and the slots whose episode
        ended start their next one before any slot ticks, all or none: a failure changes
        nothing."""
        bad = first_illegal_action(self._legal, actions)
        if bad:
            return bad
        resetting = np.flatnonzero(self._needs_reset).tolist()
        reset_together([self.games[e] for e in resetting], [None] * len(resetting))
        rewards = self.buffers["rewards"]
        rows = actions.tolist()
        for e, game in enumerate(self.games):
            if self._needs_reset[e]:
                rewards[e] = 0.0
            else:
                live = set(game.agents)  # the dead and the unborn do not act
                game.step(
                    {a: act for a, act in zip(self._agents, rows[e], strict=True) if a in live}
                )
                for i, agent in enumerate(self._agents):
                    vector = game.rewards[agent]
                    rewards[e, i, : len(vector)] = vector
            self._write(e, game)
            self._needs_reset[e] = game.episode_over
        return 0

    def state(self, out: np.ndarray) -> None:
        for e, game in enumerate(self.games):
            out[e] = game.state()

    def _write(self, e: int, game) -> None:
        b = self.buffers
        for i, agent in enumerate(self._agents):
            game.observe(agent, out=b["observations"][agent][e])
            b["terminations"][e, i] = game.terminated[agent]
            b["truncations"][e, i] = game.truncated[agent]
        if "alive" in b:
            live = game.live_agents()
            b["alive"][e] = [agent in live for agent in self._agents]
        safety = game.safety
        b["safety"][e] = [safety[name] for name in self._int_safety_names]
        b["float_safety"][e] = [safety[name] for name in self._float_safety_names]
        self.ticks[e] = game.tick
