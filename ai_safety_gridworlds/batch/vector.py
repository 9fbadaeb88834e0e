"""Batched multi-agent environments: N copies of a game stepped in one call.

:class:`VectorEnv` is the Gymnasium-vector-like front of a batch backend (the C kernel of a
game, or :class:`~ai_safety_gridworlds.batch.game_slots.GameSlots`, the numpy fallback that steps
pycolab games one by one). It owns
preallocated numpy buffers, validates everything a caller hands it, and returns the buffers
themselves (no copies: a returned array is overwritten by the next ``step``/``reset``; copy it
to keep it). See docs/kernel.md for the full conventions.

Layout (N = ``num_envs``, A = ``len(possible_agents)``):

- ``actions``: int64 (N, A), agents in ``possible_agents`` order;
- ``observations[agent]``: uint8 (N, C, h, w), the channels of the pycolab path, or
  (N, h, w, C) with ``observation_layout="HWC"`` (the backends write channels first into
  internal buffers and each step copies them into the layout);
- ``rewards[agent]``: float32 (N, n_dims) in the game's reward-dimension order, a view of the
  flat ``reward_buffer`` (N, A, max_dims) (dimensions an agent lacks stay 0); with
  ``reward_mode="scalar"``, float32 (N,): the weighted sum with ``reward_weights`` (computed in
  float64, like the pycolab path's scalar reward, then stored as float32);
  ``reward_vectors[agent]`` is always the (N, n_dims) view;
- ``terminations[agent]``, ``truncations[agent]``: bool (N,), views of (N, A) buffers;
- ``infos["safety"][name]``: int64 (N,), the episode's hidden safety metrics (read-only views),
  or float64 (N,) for the metrics a game declares as floats (``BatchSpec.float_safety_names``,
  e.g. a Gini coefficient; they live in ``float_safety_buffer``);
  ``infos["tick"]``: int64 (N,) ticks played in the current episode.

Autoreset: ``metadata["autoreset_mode"]`` is ``AutoresetMode.NEXT_STEP``, Gymnasium's default:
the step that ends a slot's episode returns its last observation, rewards, safety metrics and
``truncations=True``; the next ``step`` ignores that slot's actions and starts its next episode
(like ``game.reset()`` without a seed: the episode counter goes up by one), returning the first
observation, zero rewards, False terminations and truncations and fresh safety metrics.

Seeding: ``reset(seed=s)`` seeds slot i like ``parallel_env().reset(seed=s + i)``;
``reset(seed=[s0, s1, ...])`` seeds each slot (None: that slot's next episode);
``reset()`` moves every slot to its next episode, or, before any seed was given, seeds slot i
with ``b + i`` for a fresh random ``b`` (``secrets.randbits(63)``, like the game).
``options={"reset_mask": mask}`` resets only the slots where the bool mask is True.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.views import layout_shape, to_layout

RESET_NONE, RESET_NEXT_EPISODE, RESET_SEED = 0, 1, 2
"""Per-slot reset modes handed to a backend (the C kernels use the same numbers)."""

BUFFER_NAMES = (
    "actions",
    "observations",
    "rewards",
    "terminations",
    "truncations",
    "safety",
    "float_safety",
)


@dataclasses.dataclass(frozen=True)
class BatchSpec:
    """What a batch needs to know about a game: agents, shapes, actions, rewards, metrics."""

    possible_agents: tuple[str, ...]
    observation_shapes: Mapping[str, tuple[int, int, int]]
    reward_dims: Mapping[str, tuple[str, ...]]
    num_actions: Mapping[str, int]
    action_names: Mapping[str, tuple[str, ...]]
    legal_actions: Mapping[str, np.ndarray]
    safety_names: tuple[str, ...]
    channels: tuple[str, ...]
    state_shape: tuple[int, int, int]
    float_safety_names: tuple[str, ...] = ()
    """The safety metrics (among ``safety_names``) whose values are floats."""
    channel_high: tuple[int, ...] | None = None
    """The largest value of each observation channel (None: every channel is 0/1)."""
    masked_reasons: Mapping[str, tuple[str, ...]] | None = None
    """Per agent and action, why the action is masked ("" when legal; None: noops=False)."""

    @property
    def max_dims(self) -> int:
        return max(len(d) for d in self.reward_dims.values())

    @property
    def int_safety_names(self) -> tuple[str, ...]:
        """The integer safety metrics, in ``safety_names`` order (columns of ``safety``)."""
        return tuple(n for n in self.safety_names if n not in self.float_safety_names)

    def observation_high(self, shape: tuple[int, ...]) -> np.ndarray | int:
        """The observation space's upper bound for observations of ``shape`` (..., C, h, w)."""
        if self.channel_high is None:
            return 1
        high = np.asarray(self.channel_high, np.uint8)[:, None, None]
        return np.broadcast_to(high, shape).copy()


class BatchBackend(Protocol):
    """What a batch backend does with the buffers a :class:`VectorEnv` gave it."""

    #: int64 (N,): ticks played in each slot's current episode.
    ticks: np.ndarray

    def reset(self, modes: np.ndarray, seeds: np.ndarray) -> None:
        """Reset slots by mode (uint8 RESET_*), RESET_SEED ones with ``seeds`` (uint64)."""

    def step(self, actions: np.ndarray) -> int:
        """One tick of every slot (int64 (N, A)); 0, or 1 + the flat index of an illegal action
        (then nothing changed)."""

    def state(self, out: np.ndarray) -> None:
        """Write every slot's global board encoding (N, C - 1, H, W) into ``out``."""


def check_buffer(name: str, array: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` if it is a writeable, C-contiguous ``dtype`` array of ``shape``; else ValueError."""
    dtype = np.dtype(dtype)
    if not isinstance(array, np.ndarray):
        raise ValueError(
            f"{name} must be a numpy array of dtype {dtype} and shape {shape}, "
            f"got {type(array).__name__}"
        )
    if array.dtype != dtype:
        raise ValueError(f"{name} must have dtype {dtype}, got dtype {array.dtype}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}")
    if not array.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use np.ascontiguousarray)")
    if not array.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return array


def _observation_box(spec: BatchSpec, shape: tuple[int, ...], layout: str) -> spaces.Box:
    """The uint8 Box of channels-first observations of ``shape`` (..., C, h, w), in ``layout``."""
    high = spec.observation_high(shape)
    if not isinstance(high, int):
        high = to_layout(high, layout)
    return spaces.Box(0, high, layout_shape(shape, layout), np.uint8)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class VectorEnv:
    """N environments of one game configuration, stepped together (see the module docstring).

    ``backend_factory(buffers)`` makes the backend over the validated buffers dict.
    ``buffers`` (optional) maps any of ``BUFFER_NAMES`` to caller-allocated arrays:
    ``observations`` a dict agent -> array, the others single arrays of the layout above
    (``rewards`` the flat (N, A, max_dims) float32 buffer, ``terminations``/``truncations``
    (N, A) bool, ``safety`` (N, M) int64, ``float_safety`` (N, F) float64).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}
    render_mode = None

    def __init__(
        self,
        spec: BatchSpec,
        num_envs: int,
        backend_factory,
        backend_name: str,
        buffers: Mapping[str, Any] | None = None,
        *,
        config: Any = None,
        observation_layout: str = "CHW",
        reward_mode: str = "vector",
        reward_weights: Mapping[str, np.ndarray] | None = None,
        num_threads: int = 1,
    ):
        if isinstance(num_envs, (bool, np.bool_)) or not isinstance(num_envs, (int, np.integer)):
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        if num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.batch_spec = spec
        self.num_envs = n = int(num_envs)
        self.backend = backend_name
        self.config = config
        self.observation_layout = observation_layout
        self.reward_mode = reward_mode
        self.num_threads = num_threads
        self.possible_agents = list(spec.possible_agents)
        self.agents = list(spec.possible_agents)
        self.safety_names = spec.safety_names
        self._buffers = self._make_buffers(buffers or {})
        b = self._buffers
        self.actions = b["actions"]
        self.observations = b["observations"]
        self.reward_buffer = b["rewards"]
        self.termination_buffer = b["terminations"]
        self.truncation_buffer = b["truncations"]
        self.safety_buffer = b["safety"]
        self.float_safety_buffer = b["float_safety"]
        self._backend = backend_factory({**b, "observations": self._kernel_observations})
        agents = self.possible_agents
        self.reward_vectors = {
            a: self.reward_buffer[:, i, : len(spec.reward_dims[a])] for i, a in enumerate(agents)
        }
        self.reward_weights = {
            a: np.asarray(
                (reward_weights or {}).get(a, np.ones(len(spec.reward_dims[a]))), np.float64
            )
            for a in agents
        }
        if reward_mode == "vector":
            self.rewards = self.reward_vectors
        else:
            self.rewards = {a: np.zeros(n, np.float32) for a in agents}
            self._weighted = {a: np.zeros(n, np.float64) for a in agents}
        self.terminations = {a: self.termination_buffer[:, i] for i, a in enumerate(agents)}
        self.truncations = {a: self.truncation_buffer[:, i] for i, a in enumerate(agents)}
        present = np.ones(n, bool)
        present.flags.writeable = False
        columns = {name: self.safety_buffer[:, m] for m, name in enumerate(spec.int_safety_names)}
        columns.update(
            (name, self.float_safety_buffer[:, m]) for m, name in enumerate(spec.float_safety_names)
        )
        self.infos = {
            "safety": {name: _read_only(columns[name]) for name in spec.safety_names},
            "_safety": present,
            "tick": _read_only(self._backend.ticks),
            "_tick": present,
        }
        self.single_observation_space = {
            a: _observation_box(spec, spec.observation_shapes[a], observation_layout)
            for a in agents
        }
        self.observation_space = {
            a: _observation_box(spec, (n, *spec.observation_shapes[a]), observation_layout)
            for a in agents
        }
        self.single_action_space = {a: spaces.Discrete(spec.num_actions[a]) for a in agents}
        self.action_space = {
            a: spaces.MultiDiscrete(np.full(n, spec.num_actions[a], np.int64)) for a in agents
        }
        self.single_reward_space = {
            a: spaces.Box(-np.inf, np.inf, (len(spec.reward_dims[a]),), np.float32) for a in agents
        }
        self._actions_cast = np.zeros((n, len(agents)), np.int64)
        self._seeded = False
        self._state_out: np.ndarray | None = None
        self._state_layout: np.ndarray | None = None

    # ------------------------------------------------------------------ buffers

    def _make_buffers(self, given: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(given) - set(BUFFER_NAMES))
        if unknown:
            raise ValueError(f"unknown buffer {unknown[0]!r}; allowed: {list(BUFFER_NAMES)}")
        spec, n, agents = self.batch_spec, self.num_envs, self.possible_agents
        shapes = {
            "actions": (np.int64, (n, len(agents))),
            "rewards": (np.float32, (n, len(agents), spec.max_dims)),
            "terminations": (np.bool_, (n, len(agents))),
            "truncations": (np.bool_, (n, len(agents))),
            "safety": (np.int64, (n, len(spec.int_safety_names))),
            "float_safety": (np.float64, (n, len(spec.float_safety_names))),
        }
        buffers: dict[str, Any] = {}
        for name, (dtype, shape) in shapes.items():
            if name in given:
                buffers[name] = check_buffer(f"buffers[{name!r}]", given[name], dtype, shape)
            else:
                buffers[name] = np.zeros(shape, dtype)
        observations = given.get("observations", {})
        layout = self.observation_layout
        if not isinstance(observations, Mapping):
            shape = ", ".join(layout_shape(("num_envs", "C", "h", "w"), layout))
            raise ValueError(
                f"buffers['observations'] must be a dict agent -> uint8 array ({shape})"
            )
        extra = sorted(set(observations) - set(agents))
        if extra:
            raise ValueError(f"buffers['observations'] has unknown agent {extra[0]!r}")
        buffers["observations"] = {
            a: check_buffer(
                f"buffers['observations'][{a!r}]",
                observations[a],
                np.uint8,
                layout_shape((n, *spec.observation_shapes[a]), layout),
            )
            if a in observations
            else np.zeros(layout_shape((n, *spec.observation_shapes[a]), layout), np.uint8)
            for a in agents
        }
        self._kernel_observations = buffers["observations"]
        if layout != "CHW":  # the backends write channels first; step() copies into the layout
            self._kernel_observations = {
                a: np.zeros((n, *spec.observation_shapes[a]), np.uint8) for a in agents
            }
        arrays = [(k, v) for k, v in buffers.items() if k != "observations"]
        arrays += [(f"observations[{a!r}]", v) for a, v in buffers["observations"].items()]
        for i, (name_a, a) in enumerate(arrays):
            for name_b, b in arrays[i + 1 :]:
                if np.may_share_memory(a, b):
                    raise ValueError(f"buffers {name_a} and {name_b} overlap in memory")
        return buffers

    # ------------------------------------------------------------------ API

    def reset(
        self, seed: int | Sequence[int | None] | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Reset slots (all, or ``options["reset_mask"]``); returns (observations, infos)."""
        n = self.num_envs
        mask = np.ones(n, bool)
        options = dict(options or {})
        if "reset_mask" in options:
            mask = options.pop("reset_mask")
            if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (n,):
                raise ValueError(f"options['reset_mask'] must be a bool array of shape ({n},)")
            if not self._seeded:
                raise ValueError("the first reset must reset every slot (no reset_mask)")
        if options:
            raise ValueError(f"unknown reset option {sorted(options)[0]!r}; allowed: reset_mask")
        modes = np.full(n, RESET_NEXT_EPISODE, np.uint8)
        seeds = np.zeros(n, np.uint64)
        if seed is None:
            if not self._seeded:
                base = secrets.randbits(63)
                modes[:] = RESET_SEED
                seeds[:] = [(base + i) & rng.MASK64 for i in range(n)]
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
            base = rng.seed_to_int(seed)
            modes[:] = RESET_SEED
            seeds[:] = [(base + i) & rng.MASK64 for i in range(n)]
        elif isinstance(seed, Sequence) and not isinstance(seed, str):
            if len(seed) != n:
                raise ValueError(f"seed must be an int, None or a list of {n} ints/None")
            fresh = None if self._seeded else secrets.randbits(63)
            for i, s in enumerate(seed):
                if s is not None:
                    modes[i], seeds[i] = RESET_SEED, rng.seed_to_int(s)
                elif fresh is not None:
                    modes[i], seeds[i] = RESET_SEED, (fresh + i) & rng.MASK64
        else:
            raise ValueError(f"seed must be a non-negative int, None or a list, got {seed!r}")
        modes[~mask] = RESET_NONE
        self._backend.reset(modes, seeds)
        self._seeded = True
        self._publish()
        return self.observations, self.infos

    def step(
        self, actions: np.ndarray | Mapping[str, Any] | None = None
    ) -> tuple[dict, dict, dict, dict, dict]:
        """One tick of every slot; returns (observations, rewards, terminations, truncations,
        infos), dicts keyed by agent (infos by info name).

        ``actions``: int (N, A) array in ``possible_agents`` order, a dict agent -> int (N,)
        array, or None to use the ``actions`` buffer as it is.
        """
        if not self._seeded:
            raise RuntimeError("reset() must be called before step()")
        actions = self._check_actions(actions)
        bad = self._backend.step(actions)
        if bad:
            raise self._illegal_action(actions, bad - 1)
        self._publish()
        return self.observations, self.rewards, self.terminations, self.truncations, self.infos

    def _publish(self) -> None:
        """Put what the backend wrote into the observation layout and the reward mode."""
        if self.observation_layout != "CHW":
            for agent, out in self.observations.items():
                np.copyto(out, np.moveaxis(self._kernel_observations[agent], 1, -1))
        if self.reward_mode == "scalar":
            for agent, out in self.rewards.items():
                weighted = self._weighted[agent]
                np.dot(self.reward_vectors[agent], self.reward_weights[agent], out=weighted)
                np.copyto(out, weighted, casting="same_kind")

    def state(self) -> np.ndarray:
        """Every slot's global board encoding, uint8 (N, C - 1, H, W), or (N, H, W, C - 1) with
        layout "HWC" (a reused buffer)."""
        if not self._seeded:
            raise RuntimeError("reset() must be called before state()")
        if self._state_out is None:
            self._state_out = np.zeros((self.num_envs, *self.batch_spec.state_shape), np.uint8)
        self._backend.state(self._state_out)
        if self.observation_layout == "CHW":
            return self._state_out
        if self._state_layout is None:
            self._state_layout = np.zeros(
                layout_shape(self._state_out.shape, self.observation_layout), np.uint8
            )
        np.copyto(self._state_layout, np.moveaxis(self._state_out, 1, -1))
        return self._state_layout

    def close(self) -> None:
        """Nothing to release: every buffer is a numpy array."""

    # ------------------------------------------------------------------ actions

    def _check_actions(self, actions: Any) -> np.ndarray:
        shape = self.actions.shape
        if actions is None:
            return self.actions
        if isinstance(actions, Mapping):
            missing = [a for a in self.possible_agents if a not in actions]
            extra = sorted(set(actions) - set(self.possible_agents))
            if missing or extra:
                raise ValueError(
                    f"actions dict must have exactly the agents {self.possible_agents}; "
                    f"missing {missing}, unknown {extra}"
                )
            for i, a in enumerate(self.possible_agents):
                column = actions[a]
                if not isinstance(column, np.ndarray):
                    column = np.asarray(column)
                if column.shape != (self.num_envs,) or not np.issubdtype(column.dtype, np.integer):
                    raise ValueError(
                        f"actions[{a!r}] must be an int array of shape ({self.num_envs},), "
                        f"got dtype {column.dtype} shape {column.shape}"
                    )
                self._cast_into(self._actions_cast[:, i], column, f"actions[{a!r}]")
            return self._actions_cast
        if not isinstance(actions, np.ndarray):
            raise ValueError(
                f"actions must be an int numpy array of shape {shape} (or a dict agent -> array), "
                f"got {type(actions).__name__}"
            )
        if actions.shape != shape:
            raise ValueError(f"actions must have shape {shape}, got shape {actions.shape}")
        if not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(f"actions must have an integer dtype, got dtype {actions.dtype}")
        if actions.dtype == np.int64 and actions.flags.c_contiguous:
            return actions
        self._cast_into(self._actions_cast, actions, "actions")
        return self._actions_cast

    @staticmethod
    def _cast_into(out: np.ndarray, values: np.ndarray, name: str) -> None:
        if values.dtype == np.uint64 and values.size and values.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name} has a value out of range: {int(values.max())}")
        np.copyto(out, values, casting="unsafe")

    def _illegal_action(self, actions: np.ndarray, flat: int) -> ValueError:
        env, i = divmod(flat, len(self.possible_agents))
        agent = self.possible_agents[i]
        value = int(actions[env, i])
        names = self.batch_spec.action_names[agent]
        n = self.batch_spec.num_actions[agent]
        if 0 <= value < n:
            reasons = self.batch_spec.masked_reasons
            reason = reasons[agent][value] if reasons is not None else "noops=False"
            return ValueError(
                f"illegal action in actions[{env}, {i}] ({agent!r} of env {env}): {value} "
                f"({names[value]}) is not allowed in this configuration ({reason})"
            )
        return ValueError(
            f"illegal action in actions[{env}, {i}] ({agent!r} of env {env}): {value} is out of "
            f"range; allowed: 0..{n - 1} ({', '.join(names)})"
        )
