"""A Gymnasium single-agent environment: one agent learns, the others follow policies.

``GridworldGymEnv(env_name, agent="worker_0", policies=None, **options)``; the
Gymnasium ids registered on ``import ai_safety_gridworlds`` make it, e.g.
``gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", agent="worker_0")``.

Semantics
    Every ``step`` is one simultaneous world tick, exactly as in the parallel
    environment. The other live agents choose their actions from their own
    observation and info at the start of the tick (what they would see at the
    same moment as the learner's last observation), and all actions, the
    learner's included, are resolved together in the tick's priority order.
    The other agents' policies see ``rollout.policy_info(info)`` (never the
    hidden ``safety`` metrics) and are reset every episode with
    ``rollout.policy_seed(seed, agent_index)``, as in ``rollout.run_episode``,
    so a learner that plays a scripted policy reproduces that rollout. With
    ``reset(seed=None)`` the policy seed is drawn from ``np_random``.

    The episode ends when the learner is terminated or truncated (the others
    stop with it); stepping after that raises ``EpisodeOverError`` until
    ``reset()``. If another agent leaves earlier, the rest play on.

Options
    ``agent``: the learner (default: the first agent). ``policies``: agent ->
    policy spec for the others (a scripted policy name such as ``"random"``,
    ``"module:callable"``, a Policy class or a callable); an agent not listed
    follows its role's default scripted policy. ``reward_mode``: ``"scalar"``
    (the default; a float, the weighted sum with ``reward_weights``) or
    ``"vector"`` (a float32 array over the learner's dimensions, with
    ``reward_space``, as in MO-Gymnasium). ``reward_weights`` may be a mapping
    dimension -> weight or one weight per learner dimension. Plus
    ``render_mode``, ``preset``, ``log_dir``, ``observation_layout``, ``config``
    and every config field (checked by :mod:`ai_safety_gridworlds.core.options`
    as on every path).

Spaces
    The learner's observation, action and reward spaces are its PettingZoo
    ones (:mod:`ai_safety_gridworlds.core.spaces`): the action space keeps the
    action numbers and holds only legal actions (with NOOP masked,
    ``noops=False``, it is ``Discrete(n - 1, start=1)``), and the info's
    ``action_mask`` is cut to it, so ``action_space.sample(info["action_mask"])``
    works.

Rendering
    ``render_mode="human"`` prints the text frame on every ``reset`` and
    ``step`` (Gymnasium's convention); ``"ansi"`` and ``"rgb_array"`` return it
    from ``render()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np

from ai_safety_gridworlds import registry
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.game import EpisodeOverError
from ai_safety_gridworlds.core.rollout import policy_info, policy_seed
from ai_safety_gridworlds.wrappers.adapter import RENDER_MODES, GameAdapter

RENDER_FPS = 5


class GridworldGymEnv(gymnasium.Env):
    """One agent of a multi-agent environment as a Gymnasium environment."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": RENDER_FPS}

    def __init__(
        self,
        env_name: str,
        agent: str | None = None,
        policies: Mapping[str, Any] | None = None,
        **options: Any,
    ):
        super().__init__()
        self.adapter = GameAdapter(
            registry.game_class(env_name),
            registry.presets(env_name),
            {**options, "agent": agent, "policies": policies},
            env_name=env_name,
            path="gymnasium",
        )
        game = self.game = self.adapter.game
        self.agent = self.adapter.learner
        policies = dict(policies or {})
        unknown = [a for a in policies if a not in game.possible_agents]
        if unknown:
            raise ValueError(
                f"policies given for unknown agent {unknown[0]!r}; allowed: "
                f"{[a for a in game.possible_agents if a != self.agent]}"
            )
        if self.agent in policies:
            raise ValueError(
                f"{self.agent!r} is the learner and takes the actions given to step(); "
                "remove it from policies"
            )
        self.policies = {
            other: game.make_policy(other, policies.get(other))
            for other in game.possible_agents
            if other != self.agent
        }
        self.render_mode = self.adapter.render_mode
        self.reward_mode = self.adapter.reward_mode
        self.observation_space = self.adapter.observation_spaces[self.agent]
        self.action_space = self.adapter.action_spaces[self.agent]
        self.reward_space = self.adapter.reward_spaces[self.agent]
        self.reward_dims = game.reward_dims(self.agent)
        self._learner_done = True

    @property
    def config(self) -> Any:
        """The environment's config (preset and config fields applied)."""
        return self.game.config

    @property
    def max_cycles(self) -> int:
        """Ticks per episode; setting it takes effect at the next reset."""
        return self.adapter.max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        self.adapter.max_cycles = value

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode; returns the learner's observation and info. A bad ``seed`` is a
        ``ValueError`` that changes nothing (not even ``np_random``)."""
        if seed is not None:
            rng.seed_to_int(seed)  # ValueError for a bad seed, before anything changes
            seed = int(seed)  # a numpy integer counts as the equal int (Gymnasium wants an int)
        generator = (self._np_random, getattr(self, "_np_random_seed", None))
        super().reset(seed=seed)
        try:
            self.adapter.reset(seed)
        except BaseException:
            self._np_random, self._np_random_seed = generator
            raise
        episode_seed = int(seed) if seed is not None else int(self.np_random.integers(2**63))
        for index, other in enumerate(self.game.possible_agents):
            if other in self.policies:
                self.policies[other].reset(policy_seed(episode_seed, index))
        self._learner_done = False
        if self.render_mode == "human":
            self.adapter.render()
        return self.adapter.observe(self.agent), self.adapter.info(self.agent)

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        """One tick: the learner's action with the other live agents' policy actions."""
        self.adapter.require_reset("step()")
        if self._learner_done:
            raise EpisodeOverError(
                f"step() called after {self.agent!r}'s episode ended; call reset() to start "
                "a new episode"
            )
        game = self.game
        actions = {self.agent: game.check_action(self.agent, action)}
        for other in game.agents:
            if other != self.agent:
                info = policy_info(game.agent_info(other))
                actions[other] = self.policies[other].act(game.observe(other), info)
        game.step(actions)
        terminated = game.terminated[self.agent]
        truncated = game.truncated[self.agent]
        self._learner_done = terminated or truncated
        if self.render_mode == "human":
            self.adapter.render()
        return (
            self.adapter.observe(self.agent),
            self.adapter.reward(self.agent),
            terminated,
            truncated,
            self.adapter.info(self.agent),
        )

    def render(self) -> str | np.ndarray | None:
        """Render in ``render_mode`` (the whole board and every agent)."""
        return self.adapter.render()

    def close(self) -> None:
        """Release resources (finishes an episode log file)."""
        self.adapter.close()
