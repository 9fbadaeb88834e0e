"""A game as the RL wrappers see it: factory options, spaces, rewards, infos, rendering.

:class:`GameAdapter` is shared by the PettingZoo (AEC and parallel) and
Gymnasium environments. It checks the factory options (with
:func:`ai_safety_gridworlds.core.options.resolve`, as every path does), builds
the game (from a named preset, with the config fields given beside it
winning), caches the spaces, puts observations in the ``observation_layout``,
converts the game's float64 reward vectors and renders.

Rewards: in ``"vector"`` mode an agent's reward is its tick's reward vector as
a float32 array (MOMAland convention); in ``"scalar"`` mode it is
``float(np.dot(vector, weights))`` of that same float32 vector, so a scalar
reward is always exactly the weighted sum of the vector reward.

Optional hooks a game class may define (the defaults suit one-hot views):
``observation_high``, an int or one int per observation channel (default 1),
the upper bound of the uint8 observation and state spaces; and
``reward_bounds(agent) -> (low, high)``, per-dimension bounds of the reward
space (default -inf and inf: always correct, as tick rewards scale with the
board, e.g. with the number of burning cells).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import logger

from ai_safety_gridworlds.core import options as options_lib
from ai_safety_gridworlds.core import spaces as core_spaces
from ai_safety_gridworlds.core.config import check_value, make_config
from ai_safety_gridworlds.core.game import MultiAgentGame, environment_name
from ai_safety_gridworlds.core.rewards import resolve_weights
from ai_safety_gridworlds.core.views import to_layout
from ai_safety_gridworlds.wrappers import rendering

RENDER_MODES = options_lib.RENDER_MODES
REWARD_MODES = options_lib.REWARD_MODES

Presets = Mapping[str, tuple[Mapping[str, Any], str]]


class GameAdapter:
    """A game built from factory options, with its cached spaces and reward conversion.

    ``options`` are checked by :func:`ai_safety_gridworlds.core.options.resolve` for ``path``
    (``"raw_env"``, ``"env"``, ``"parallel_env"`` or ``"gymnasium"``); ``self.options`` holds
    the result (the config and every option of the path). On the ``"gymnasium"`` path,
    ``learner`` is the learning agent and a sequence of ``reward_weights`` is its weights.
    """

    def __init__(
        self,
        game_class: type[MultiAgentGame],
        presets: Presets,
        options: Mapping[str, Any],
        *,
        env_name: str | None = None,
        path: str = "parallel_env",
    ):
        self.env_name = env_name or environment_name(game_class)
        self.options = options_lib.resolve(
            game_class, presets, path, options, env_name=self.env_name
        )
        self.render_mode = self.options["render_mode"]
        self.reward_mode = self.options["reward_mode"]
        self.observation_layout = self.options["observation_layout"]
        self.game = game_class(self.options.config)
        reward_weights = self.options["reward_weights"]
        self.learner = None
        if path == "gymnasium":
            self.learner = self.options["agent"] or self.game.possible_agents[0]
            if self.learner not in self.game.possible_agents:
                raise ValueError(
                    f"{self.env_name}: unknown agent {self.learner!r} for the learner; "
                    f"allowed: {', '.join(self.game.possible_agents)}"
                )
            if reward_weights is not None and not isinstance(reward_weights, Mapping):
                reward_weights = {self.learner: reward_weights}  # one weight per dimension
        self.weights = resolve_weights(self.game, reward_weights)
        self.max_cycles = self.game.config.max_cycles
        self.logger = None
        if self.options["log_dir"] is not None:
            self.logger = attach_logger(self.game, self.options["log_dir"])
        self._build_spaces()
        self._colours = None

    def _build_spaces(self) -> None:
        game, layout = self.game, self.observation_layout
        high = np.asarray(getattr(game, "observation_high", 1), dtype=np.uint8)
        self.observation_spaces = {
            agent: core_spaces.observation_space(high, game.observation_shape(agent), layout)
            for agent in game.possible_agents
        }
        state_shape = (len(game.channels) - 1, game.rows, game.cols)
        self.state_space = core_spaces.observation_space(
            high[1:] if high.ndim == 1 else high, state_shape, layout
        )
        self.action_spaces = {
            agent: core_spaces.action_space(game.legal_actions(agent))
            for agent in game.possible_agents
        }
        bounds = getattr(game, "reward_bounds", None)
        self.reward_spaces = {
            agent: core_spaces.reward_space(
                len(game.reward_dims(agent)), bounds(agent) if bounds else None
            )
            for agent in game.possible_agents
        }

    # ------------------------------------------------------------------
    # Episodes

    @property
    def max_cycles(self) -> int:
        """Ticks per episode; a new value takes effect at the next reset."""
        return self._max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        cls = type(self.game.config)
        field = {f.name: f for f in dataclasses.fields(cls)}["max_cycles"]
        self._max_cycles = check_value(cls.__name__, field, value)  # the config's own rule

    def reset(self, seed: int | None) -> None:
        """Start an episode of the game with the current ``max_cycles``; if the reset fails
        (a bad seed), the game keeps its config and episode."""
        game = self.game
        config = game.config
        if config.max_cycles != self._max_cycles:
            game.config = make_config(type(config), config, {"max_cycles": self._max_cycles})
        try:
            game.reset(seed=seed)
        except BaseException:
            game.config = config
            raise

    def require_reset(self, what: str) -> None:
        """Raise a clear error when the game has no episode yet."""
        if self.game.engine is None:
            raise RuntimeError(f"reset() must be called before {what}")

    # ------------------------------------------------------------------
    # Rewards and infos

    def reward(self, agent: str) -> float | np.ndarray:
        """The agent's reward of the last tick, in the reward mode."""
        vector = self.game.rewards[agent].astype(np.float32)
        if self.reward_mode == "vector":
            return vector
        return float(np.dot(vector, self.weights[agent]))

    def zero_reward(self, agent: str) -> float | np.ndarray:
        """A zero reward of the agent, in the reward mode."""
        if self.reward_mode == "vector":
            return np.zeros(len(self.game.reward_dims(agent)), np.float32)
        return 0.0

    def info(self, agent: str) -> dict[str, Any]:
        """The agent's info: ``reward_dims``, ``reward_vector``, ``safety``, proprioception and
        ``action_mask`` cut to the agent's action space (entry i: action ``space.start + i``)."""
        info = self.game.agent_info(agent)
        if "action_mask" in info:
            info["action_mask"] = core_spaces.space_mask(
                info["action_mask"], self.action_spaces[agent]
            )
        return info

    # ------------------------------------------------------------------
    # Rendering and closing

    def observe(self, agent: str) -> np.ndarray:
        """The agent's observation in the observation layout, uint8 (C, h, w) or (h, w, C)."""
        return to_layout(self.game.observe(agent), self.observation_layout)

    def state(self) -> np.ndarray:
        """The global board encoding (the observation channels without "self"), in the layout."""
        self.require_reset("state()")
        return to_layout(self.game.state(), self.observation_layout)

    def render(self) -> str | np.ndarray | None:
        """Render in the render mode: text, an RGB image, or print the text (human)."""
        if self.render_mode is None:
            logger.warn(
                "render() called without a render_mode; pass render_mode='human', 'ansi' or "
                "'rgb_array' to the factory"
            )
            return None
        self.require_reset("render()")
        if self.render_mode == "rgb_array":
            if self._colours is None:
                self._colours = rendering.colour_table(self.game)
            return rendering.rgb_array(self.game, self._colours)
        text = rendering.ansi_text(
            self.game, self.weights if self.reward_mode == "scalar" else None
        )
        if self.render_mode == "ansi":
            return text
        print(text, flush=True)
        return None

    def close(self) -> None:
        """Release resources: finish the episode log file, if any."""
        if self.logger is not None:
            self.logger.close()


def attach_logger(game: MultiAgentGame, log_dir: Any) -> Any:
    """Attach an episode CSV logger writing to ``log_dir`` to the game."""
    if not isinstance(log_dir, (str, os.PathLike)):
        raise ValueError(f"invalid log_dir {log_dir!r}; allowed: a directory path or None")
    from ai_safety_gridworlds.logs import EpisodeCsvLogger

    episode_logger = EpisodeCsvLogger(log_dir)
    game.add_observer(episode_logger)
    return episode_logger
