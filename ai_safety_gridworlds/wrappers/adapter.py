"""A game as the RL wrappers see it: factory options, spaces, rewards, infos, rendering.

:class:`GameAdapter` is shared by the PettingZoo (AEC and parallel) and
Gymnasium environments. It validates the factory options, builds the game
(from a named preset, with the overrides given beside it winning), caches the
spaces, converts the game's float64 reward vectors and renders.

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
from gymnasium import logger, spaces

from ai_safety_gridworlds.core.config import make_config
from ai_safety_gridworlds.core.game import MultiAgentGame, environment_name
from ai_safety_gridworlds.core.rewards import check_weights
from ai_safety_gridworlds.wrappers import rendering

RENDER_MODES = ("human", "ansi", "rgb_array")
REWARD_MODES = ("scalar", "vector")
OPTIONS = ("render_mode", "reward_mode", "reward_weights", "preset", "log_dir", "config")
"""Factory options that are not config fields."""

Presets = Mapping[str, tuple[Mapping[str, Any], str]]


class GameAdapter:
    """A game built from factory options, with its cached spaces and reward conversion."""

    def __init__(
        self,
        game_class: type[MultiAgentGame],
        presets: Presets,
        options: Mapping[str, Any],
        *,
        env_name: str | None = None,
    ):
        self.env_name = env_name or environment_name(game_class)
        config_fields = [f.name for f in dataclasses.fields(game_class.config_class)]
        unknown = sorted(set(options) - set(OPTIONS) - set(config_fields))
        if unknown:
            raise ValueError(
                f"{self.env_name}: unknown option {unknown[0]!r}; allowed: "
                f"{', '.join(OPTIONS)} and the config fields {', '.join(sorted(config_fields))}"
            )
        options = dict(options)
        self.render_mode = options.pop("render_mode", None)
        if self.render_mode is not None and self.render_mode not in RENDER_MODES:
            raise ValueError(
                f"{self.env_name}: invalid render_mode {self.render_mode!r}; "
                f"allowed: None, {', '.join(map(repr, RENDER_MODES))}"
            )
        self.reward_mode = options.pop("reward_mode", "scalar")
        if self.reward_mode not in REWARD_MODES:
            raise ValueError(
                f"{self.env_name}: invalid reward_mode {self.reward_mode!r}; "
                f"allowed: {', '.join(map(repr, REWARD_MODES))}"
            )
        reward_weights = options.pop("reward_weights", None)
        log_dir = options.pop("log_dir", None)
        base = options.pop("config", None)
        if base is not None and not isinstance(base, game_class.config_class):
            raise ValueError(
                f"{self.env_name}: invalid config {base!r}; allowed: a "
                f"{game_class.config_class.__name__} or None"
            )
        overrides = preset_overrides(self.env_name, presets, options.pop("preset", None))
        overrides.update(options)
        self.game = game_class(base, **overrides)
        self.weights = resolve_weights(self.game, reward_weights)
        self.max_cycles = self.game.config.max_cycles
        self.logger = None
        if log_dir is not None:
            self.logger = attach_logger(self.game, log_dir)
        self._build_spaces()
        self._colours = None

    def _build_spaces(self) -> None:
        game = self.game
        high = np.asarray(getattr(game, "observation_high", 1), dtype=np.uint8)
        channel_high = high[:, None, None] if high.ndim == 1 else high
        self.observation_spaces = {
            agent: _box_uint8(channel_high, game.observation_shape(agent))
            for agent in game.possible_agents
        }
        state_high = channel_high[1:] if channel_high.ndim == 3 else channel_high
        self.state_space = _box_uint8(state_high, (len(game.channels) - 1, game.rows, game.cols))
        self.action_spaces = {
            agent: spaces.Discrete(game.num_actions(agent)) for agent in game.possible_agents
        }
        self.reward_spaces = {agent: self._reward_box(agent) for agent in game.possible_agents}

    def _reward_box(self, agent: str) -> spaces.Box:
        size = len(self.game.reward_dims(agent))
        bounds = getattr(self.game, "reward_bounds", None)
        if bounds is None:
            return spaces.Box(-np.inf, np.inf, (size,), np.float32)
        low, high = bounds(agent)
        return spaces.Box(
            np.asarray(low, np.float32), np.asarray(high, np.float32), (size,), np.float32
        )

    # ------------------------------------------------------------------
    # Episodes

    @property
    def max_cycles(self) -> int:
        """Ticks per episode; a new value takes effect at the next reset."""
        return self._max_cycles

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"invalid max_cycles {value!r}; allowed: an int >= 1")
        self._max_cycles = int(value)

    def reset(self, seed: int | None) -> None:
        """Start an episode of the game with the current ``max_cycles``."""
        game = self.game
        if game.config.max_cycles != self._max_cycles:
            game.config = make_config(
                type(game.config), game.config, {"max_cycles": self._max_cycles}
            )
        game.reset(seed=seed)

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
        """The agent's info: ``reward_dims``, ``reward_vector``, ``safety`` and proprioception."""
        return self.game.agent_info(agent)

    # ------------------------------------------------------------------
    # Rendering and closing

    def state(self) -> np.ndarray:
        """The global board encoding (the observation channels without "self")."""
        self.require_reset("state()")
        return self.game.state()

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


def _box_uint8(high: np.ndarray, shape: tuple[int, ...]) -> spaces.Box:
    full_high = np.broadcast_to(high, shape).astype(np.uint8)
    return spaces.Box(np.zeros(shape, np.uint8), full_high, shape, np.uint8)


def preset_overrides(env_name: str, presets: Presets, preset: str | None) -> dict[str, Any]:
    """The config overrides of a named preset (None: no preset)."""
    if preset is None:
        return {}
    if not isinstance(preset, str) or preset not in presets:
        raise ValueError(
            f"{env_name}: unknown preset {preset!r}; allowed: {', '.join(sorted(presets))}"
        )
    return dict(presets[preset][0])


def resolve_weights(game: MultiAgentGame, reward_weights: Any) -> dict[str, np.ndarray]:
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


def attach_logger(game: MultiAgentGame, log_dir: Any) -> Any:
    """Attach an episode CSV logger writing to ``log_dir`` to the game."""
    if not isinstance(log_dir, (str, os.PathLike)):
        raise ValueError(f"invalid log_dir {log_dir!r}; allowed: a directory path or None")
    from ai_safety_gridworlds.logs import EpisodeCsvLogger

    episode_logger = EpisodeCsvLogger(log_dir)
    game.add_observer(episode_logger)
    return episode_logger
