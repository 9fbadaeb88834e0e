"""PettingZoo environments over any :class:`MultiAgentGame`: AEC and parallel.

An environment module declares its game and presets and gets its public
surface from one line::

    raw_env, env, parallel_env, metadata = environment_api(FiremakerGame, PRESETS)

- ``parallel_env(**options)``: every live agent acts in one simultaneous tick
  (``MultiAgentGame.step``), resolved in the tick's priority order.
- ``raw_env(**options)``: the AEC interface, turn-based (``MultiAgentGame.act``):
  agents act in ``agents`` order, each action takes effect at once, and the
  world ticks after the last live agent of the round. Every agent receives the
  tick's reward at the step that ends the round, so the reward ``last()``
  returns to an agent is the vector (or scalar) of the tick since it last
  acted. When the episode ends every agent is truncated (or terminated) and
  must step ``None`` once to leave (PettingZoo's dead-step protocol).

In games whose population changes (``MultiAgentGame.live_agents``), an agent
that dies in a tick is terminated and leaves ``agents`` (AEC: after its dead
step), and an agent born in a tick joins ``agents`` with a name from
``possible_agents`` never used before in the episode: in the parallel
environment it is among the keys of that step's results (its first
observation, reward 0); in the AEC environment it joins at the end of the
round and acts from the next one.
- ``env(**options)``: ``raw_env`` inside PettingZoo's ``OrderEnforcingWrapper``.

Spaces (:mod:`ai_safety_gridworlds.core.spaces`): ``observation_space(agent)``,
``action_space(agent)`` and ``reward_space(agent)`` return cached objects, also in the dicts
``observation_spaces``, ``action_spaces`` and ``reward_spaces`` (MOMAland's conversions read
``reward_spaces``). An action space holds only legal actions and keeps their numbers: with
``noops=False`` it is ``Discrete(n - 1, start=1)``; ``infos[agent]["action_mask"]`` is cut to
it (entry i is action ``start + i``), as ``action_space(agent).sample(mask)`` expects.
``render_mode="human"`` prints the text frame on every ``reset`` and ``step`` (in the AEC
environment, after every agent's action).

Options: ``render_mode``, ``reward_mode`` (``"scalar"``, the default, or
``"vector"``), ``reward_weights``, ``preset``, ``log_dir``,
``observation_layout`` (``"CHW"``, the default, or ``"HWC"``), ``config`` (a
config instance to start from) and every config field, ``max_cycles``
included (see :mod:`ai_safety_gridworlds.core.options`, which checks them
the same way for every factory).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils.wrappers import OrderEnforcingWrapper

from ai_safety_gridworlds.core.game import EpisodeOverError, MultiAgentGame, environment_name
from ai_safety_gridworlds.core.options import check_names
from ai_safety_gridworlds.wrappers.adapter import RENDER_MODES, GameAdapter, Presets

RENDER_FPS = 5


class _GridworldEnv:
    """What the AEC and parallel environments share: the game, spaces, state, rendering."""

    game_class: ClassVar[type[MultiAgentGame]]
    presets: ClassVar[Presets] = {}
    env_name: ClassVar[str]
    metadata: ClassVar[dict[str, Any]]
    path: ClassVar[str]

    def _setup(self, options: dict[str, Any]) -> None:
        self.adapter = GameAdapter(
            self.game_class, self.presets, options, env_name=self.env_name, path=self.path
        )
        self.game = self.adapter.game
        self.possible_agents = list(self.game.possible_agents)
        self.render_mode = self.adapter.render_mode
        self.reward_mode = self.adapter.reward_mode
        self.observation_spaces = self.adapter.observation_spaces
        self.action_spaces = self.adapter.action_spaces
        self.reward_spaces = self.adapter.reward_spaces
        self.agents: list[str] = []

    @property
    def max_cycles(self) -> int:
        """Ticks per episode; setting it takes effect at the next reset."""
        return self.adapter.max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        self.adapter.max_cycles = value

    @property
    def config(self) -> Any:
        """The environment's config (preset and config fields applied)."""
        return self.game.config

    @property
    def state_space(self) -> spaces.Box:
        """The space of ``state()``: uint8 (C-1, H, W), or (H, W, C-1) with layout "HWC"."""
        return self.adapter.state_space

    def observation_space(self, agent: str) -> spaces.Box:
        """The agent's observation space, uint8 (C, h, w) or (h, w, C) with layout "HWC";
        the same object every call."""
        return self.adapter.observation_spaces[self.game.check_agent(agent)]

    def action_space(self, agent: str) -> spaces.Discrete:
        """The agent's action space; the same object every call."""
        return self.adapter.action_spaces[self.game.check_agent(agent)]

    def reward_space(self, agent: str) -> spaces.Box:
        """The agent's vector reward space, float32 per dimension; the same object every call."""
        return self.adapter.reward_spaces[self.game.check_agent(agent)]

    def reward_dims(self, agent: str) -> tuple[str, ...]:
        """The agent's reward dimensions, in order."""
        return self.game.reward_dims(agent)

    def state(self) -> np.ndarray:
        """The global board encoding, uint8 (C-1, H, W) (or (H, W, C-1) with layout "HWC")."""
        return self.adapter.state()

    def render(self) -> str | np.ndarray | None:
        """Render in ``render_mode``: "ansi" text, an "rgb_array" image, or print ("human")."""
        return self.adapter.render()

    def close(self) -> None:
        """Release resources (finishes an episode log file)."""
        self.adapter.close()

    def _render_human(self) -> None:
        """``render_mode="human"`` prints the frame on every reset and step (PettingZoo's
        convention)."""
        if self.render_mode == "human":
            self.adapter.render()


class GridworldAEC(_GridworldEnv, AECEnv):
    """Turn-based PettingZoo AEC environment over a game (see the module docstring)."""

    def __init__(self, **options: Any):
        super().__init__()
        self._setup(options)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start an episode; ``seed`` reseeds the game (None continues its sequence)."""
        adapter, game = self.adapter, self.game
        adapter.reset(seed)
        self.agents = list(game.agents)
        self.rewards = {a: adapter.zero_reward(a) for a in self.agents}
        self._cumulative_rewards = {a: adapter.zero_reward(a) for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: adapter.info(a) for a in self.agents}
        self._skip_agent_selection = None
        self.agent_selection = game.next_agent
        self._render_human()

    def observe(self, agent: str) -> np.ndarray:
        """The agent's current observation."""
        self.adapter.require_reset("observe()")
        return self.adapter.observe(agent)

    def step(self, action: Any) -> None:
        """The selected agent acts now; after the round's last agent the world ticks."""
        if not self.agents:
            self.adapter.require_reset("step()")
            raise EpisodeOverError(
                "step() called after every agent is done and has left; call reset() to start "
                "a new episode"
            )
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        adapter, game = self.adapter, self.game
        ticked = game.act(agent, action)
        self._cumulative_rewards[agent] = adapter.zero_reward(agent)
        if not ticked:
            self._clear_rewards()
            self.infos[agent] = adapter.info(agent)
            self.agent_selection = game.next_agent
            self._render_human()
            return
        for a in self.agents:
            reward = adapter.reward(a)
            self.rewards[a] = reward
            self._cumulative_rewards[a] = self._cumulative_rewards[a] + reward
            self.terminations[a] = game.terminated[a]
            self.truncations[a] = game.truncated[a]
            self.infos[a] = adapter.info(a)
        for a in game.born:  # the newborn join at the end of the round
            self.agents.append(a)
            self.rewards[a] = adapter.zero_reward(a)
            self._cumulative_rewards[a] = adapter.zero_reward(a)
            self.terminations[a] = self.truncations[a] = False
            self.infos[a] = adapter.info(a)
        self.agent_selection = game.next_agent or agent
        self._deads_step_first()
        self._render_human()

    def _clear_rewards(self) -> None:
        for agent in self.rewards:
            self.rewards[agent] = self.adapter.zero_reward(agent)


class GridworldParallel(_GridworldEnv, ParallelEnv):
    """PettingZoo parallel environment over a game: one simultaneous tick per step."""

    def __init__(self, **options: Any):
        self._setup(options)

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        """Start an episode; returns the observations and infos of every agent."""
        adapter, game = self.adapter, self.game
        adapter.reset(seed)
        self.agents = list(game.agents)
        observations = {a: adapter.observe(a) for a in self.agents}
        infos = {a: adapter.info(a) for a in self.agents}
        self._render_human()
        return observations, infos

    def step(self, actions: dict[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """One tick: every live agent's action. Keys of the results: the agents that acted
        (those that died in the tick with ``terminations`` True) and the agents born in it
        (their first observation, reward 0)."""
        adapter, game = self.adapter, self.game
        try:
            game.step(actions)
        except EpisodeOverError:
            raise EpisodeOverError(
                "step() called after every agent is done; call reset() to start a new episode"
            ) from None
        keys = [*self.agents, *game.born]  # those that acted, and the newborn
        self.agents = list(game.agents)
        observations = {a: adapter.observe(a) for a in keys}
        rewards = {a: adapter.reward(a) for a in keys}
        terminations = {a: game.terminated[a] for a in keys}
        truncations = {a: game.truncated[a] for a in keys}
        infos = {a: adapter.info(a) for a in keys}
        self._render_human()
        return observations, rewards, terminations, truncations, infos


def environment_api(
    game_class: type[MultiAgentGame], presets: Presets, name: str | None = None
) -> tuple[type[GridworldAEC], Any, type[GridworldParallel], dict[str, Any]]:
    """The public surface of an environment module: ``raw_env, env, parallel_env, metadata``.

    ``raw_env`` and ``parallel_env`` are classes (called like factories) and
    ``env`` a function; all take the same options. ``name`` defaults to the
    game module's ``NAME`` (:func:`~ai_safety_gridworlds.core.game.environment_name`).
    """
    module = game_class.__module__
    base_name = name or environment_name(game_class)
    metadata = {
        "name": f"{base_name}_v0",
        "render_modes": list(RENDER_MODES),
        "is_parallelizable": True,
        "render_fps": RENDER_FPS,
    }
    shared = {
        "game_class": game_class,
        "presets": presets,
        "env_name": base_name,
        "metadata": metadata,
    }

    def make_class(class_name: str, base: type, doc: str) -> type:
        attributes = {**shared, "__module__": module, "__qualname__": class_name, "__doc__": doc}
        return type(class_name, (base,), attributes)

    raw_env = make_class(
        "raw_env", GridworldAEC, f"The {base_name} AEC environment (turn-based), unwrapped."
    )
    raw_env.path = "raw_env"
    parallel_env = make_class(
        "parallel_env", GridworldParallel, f"The {base_name} parallel environment."
    )
    parallel_env.path = "parallel_env"

    def env(**options: Any) -> OrderEnforcingWrapper:
        check_names(base_name, game_class.config_class, "env", options)
        return OrderEnforcingWrapper(raw_env(**options))

    env.__module__ = module
    env.__qualname__ = "env"
    env.__doc__ = f"The {base_name} AEC environment (turn-based), order-enforced."
    return raw_env, env, parallel_env, metadata
