"""Batched multi-agent environments: N copies of a game stepped in one call.

:class:`VectorEnv` is a ``gymnasium.vector.VectorEnv`` in front of a batch backend (the C
kernel of a game, or :class:`~ai_safety_gridworlds.batch.game_slots.GameSlots`, the numpy
fallback that steps pycolab games one by one), with a multi-agent layout: its spaces are
``gymnasium.spaces.Dict``s keyed by agent. It owns preallocated numpy buffers, validates
everything a caller hands it, and returns the buffers themselves (no copies: a returned array is
overwritten by the next ``step``/``reset``; copy it to keep it; only the ``infos`` dict is new
each call). See docs/kernel.md for the full conventions and docs/ecosystem.md for
:meth:`VectorEnv.agent_batch`, the single-agent view of one role.

Layout (N = ``num_envs``, A = ``len(possible_agents)``):

- ``actions``: int64 (N, A), agents in ``possible_agents`` order: the preallocated buffer the
  backend reads. Fill it in place and call ``step()``, or assign to it
  (``env.actions = array``, any integer dtype, any strides, or a dict agent -> (N,) array):
  the value is checked like ``step``'s argument and copied into the buffer, which is never
  replaced. ``step(actions)`` checks its argument and copies it into a second preallocated
  buffer that the backend then reads (``actions`` is left as it was). No array a caller hands
  in ever reaches a backend, so none can make the C kernel read out of bounds;
- ``observations[agent]``: uint8 (N, C, h, w), the channels of the pycolab path, or
  (N, h, w, C) with ``observation_layout="HWC"`` (the backends write channels first into
  internal buffers and each step copies them into the layout); with
  ``observation_encoding="packed"`` (games whose channels are binary), uint8 (N, (C*h*w + 7)
  // 8): the layout's values one bit each, least significant bit first, i.e.
  ``np.packbits(obs.reshape(N, -1), axis=1, bitorder="little")`` of the one-hot observation
  (packed in C on the batch's threads); ``unpacked_observations[agent]`` holds the one-hot;
- ``rewards[agent]``: float32 (N, n_dims) in the game's reward-dimension order, a view of the
  flat ``reward_buffer`` (N, A, max_dims) (dimensions an agent lacks stay 0); with
  ``reward_mode="scalar"``, float32 (N,): the weighted sum with ``reward_weights`` (computed in
  float64, like the pycolab path's scalar reward, then stored as float32);
  ``reward_vectors[agent]`` is always the (N, n_dims) view;
- ``terminations[agent]``, ``truncations[agent]``: bool (N,), views of (N, A) buffers;
- ``infos["safety"][name]``: int64 (N,), the episode's hidden safety metrics (read-only views),
  or float64 (N,) for the metrics a game declares as floats (``BatchSpec.float_safety_names``,
  e.g. a Gini coefficient; they live in ``float_safety_buffer``);
  ``infos["tick"]``: int64 (N,) ticks played in the current episode;
  ``infos["alive"][agent]``: bool (N,), in games whose population changes (agents die and are
  born; ``BatchSpec.population``): whether the agent slot is alive now. A slot that is not
  alive gets a zero observation and zero rewards; ``terminations`` is True from its death to
  the end of the episode, and an environment's episode ends (autoreset) when nobody is alive.

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

import os
import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from ai_safety_gridworlds.batch import binding
from ai_safety_gridworlds.batch import spaces as batch_spaces
from ai_safety_gridworlds.batch.buffers import make_buffers
from ai_safety_gridworlds.batch.render import SlotRenderer
from ai_safety_gridworlds.batch.spec import (
    BUFFER_NAMES,
    RESET_NEXT_EPISODE,
    RESET_NONE,
    RESET_SEED,
    BatchBackend,
    BatchSpec,
    check_buffer,
)
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.options import RENDER_MODES
from ai_safety_gridworlds.core.views import layout_shape

__all__ = [
    "BUFFER_NAMES",
    "RESET_NEXT_EPISODE",
    "RESET_NONE",
    "RESET_SEED",
    "BatchBackend",
    "BatchSpec",
    "VectorEnv",
    "check_buffer",
]

RENDER_FPS = 5

if TYPE_CHECKING:
    from ai_safety_gridworlds.batch.agent_batch import AgentBatchEnv


def _physical_memory() -> int | None:
    """Bytes of physical memory (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _check_memory(spec: BatchSpec, num_envs: int) -> None:
    """ValueError naming ``num_envs`` when the batch's buffers alone (observations, rewards,
    flags, metrics, the state) would not fit in this machine's physical memory: numpy would
    reserve them lazily and the first reset would touch them all (and meet the OOM killer)."""
    total = _physical_memory()
    if total is None:
        return
    agents = len(spec.possible_agents)
    per_slot = sum(int(np.prod(shape)) for shape in spec.observation_shapes.values())
    per_slot += int(np.prod(spec.state_shape)) + agents * (8 + 4 * spec.max_dims + 2)
    per_slot += 8 * len(spec.safety_names)
    if num_envs * per_slot > total:
        raise ValueError(
            f"num_envs={num_envs} needs {num_envs * per_slot / 2**30:.1f} GiB of batch buffers, "
            f"more than this machine's {total / 2**30:.1f} GiB; allowed: num_envs <= "
            f"{max(1, total // per_slot)} for this configuration"
        )


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class VectorEnv(gymnasium.vector.VectorEnv):
    """N environments of one game configuration, stepped together (see the module docstring).

    A ``gymnasium.vector.VectorEnv`` with a multi-agent layout: its spaces are
    ``gymnasium.spaces.Dict``s keyed by agent. ``backend_factory(buffers)`` makes the backend
    over the validated buffers dict. ``buffers`` (optional) maps any of ``BUFFER_NAMES`` to
    caller-allocated arrays: ``observations`` a dict agent -> array (in the observation
    layout), the others single arrays of the layout above (``rewards`` the flat
    (N, A, max_dims) float32 buffer, ``terminations``/``truncations`` (N, A) bool, ``safety``
    (N, M) int64, ``float_safety`` (N, F) float64). ``renderer`` draws ``render()``'s frames.
    """

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": list(RENDER_MODES),
        "render_fps": RENDER_FPS,
    }

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
        observation_encoding: str = "onehot",
        reward_mode: str = "vector",
        reward_weights: Mapping[str, np.ndarray] | None = None,
        render_mode: str | None = None,
        renderer: SlotRenderer | None = None,
    ):
        if isinstance(num_envs, (bool, np.bool_)) or not isinstance(num_envs, (int, np.integer)):
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        if num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        _check_memory(spec, int(num_envs))
        if render_mode is not None and renderer is None:
            raise ValueError(f"render_mode {render_mode!r} needs a renderer")
        self.batch_spec = spec
        self.num_envs = n = int(num_envs)
        self.backend = backend_name
        self.config = config
        self.observation_layout = observation_layout
        self.observation_encoding = observation_encoding
        if observation_encoding == "packed":
            _check_binary_channels(spec)
        self.reward_mode = reward_mode
        self.render_mode = render_mode
        self.render_slots: Sequence[int] = (0,)
        """The slots ``render()`` draws (a grid of tiles, or one text frame each)."""
        self._renderer = renderer
        self.possible_agents = list(spec.possible_agents)
        self.agents = list(spec.possible_agents)
        self.safety_names = spec.safety_names
        made = make_buffers(spec, n, observation_layout, buffers or {})
        self._buffers = b = made.arrays
        self._kernel_observations = made.kernel_observations
        self.role_blocks = made.role_blocks
        self.unpacked_observations = b["observations"]
        """agent -> the one-hot observations (the layout's), what ``observations`` packs."""
        self.observations = b["observations"]
        if observation_encoding == "packed":
            self.observations = {
                a: np.zeros((n, (o[0].size + 7) // 8), np.uint8)
                for a, o in b["observations"].items()
            }
        self.reward_buffer = b["rewards"]
        self.termination_buffer = b["terminations"]
        self.truncation_buffer = b["truncations"]
        self.safety_buffer = b["safety"]
        self.float_safety_buffer = b["float_safety"]
        self._backend = backend_factory({**b, "observations": self._kernel_observations})
        self._backend_step = self._backend.step
        self._publishes = (
            observation_layout != "CHW"
            or observation_encoding == "packed"
            or reward_mode == "scalar"
        )
        """Whether ``_publish`` has anything to do after a backend call."""
        self.num_threads: int = getattr(self._backend, "num_threads", 1)
        """The threads each call steps the slots on: ``num_threads`` (default every core)
        capped at ``num_envs``, 1 on the numpy backend."""
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
        if spec.population:
            self.alive_buffer = b["alive"]
            self.infos["alive"] = {
                a: _read_only(self.alive_buffer[:, i]) for i, a in enumerate(agents)
            }
            self.infos["_alive"] = present
        self.single_observation_space = batch_spaces.agents_dict(
            batch_spaces.single_observation_spaces(spec, observation_layout, observation_encoding)
        )
        self.single_action_space = batch_spaces.agents_dict(batch_spaces.single_action_spaces(spec))
        self.single_reward_space = batch_spaces.agents_dict(batch_spaces.single_reward_spaces(spec))
        self._batched: dict[str, spaces.Space] = {}
        self._seeded = False
        self._given_actions = np.zeros_like(b["actions"])
        self._state_out: np.ndarray | None = None
        self._state_layout: np.ndarray | None = None

    # ------------------------------------------------------------------ spaces

    def _batched_space(self, name: str, single: spaces.Space) -> spaces.Space:
        if name not in self._batched:
            self._batched[name] = batch_spaces.batched(single, self.num_envs)
        return self._batched[name]

    @property
    def observation_space(self) -> spaces.Dict:
        """agent -> uint8 Box (num_envs, C, h, w) (or (num_envs, h, w, C)); built on first use."""
        return self._batched_space("observation", self.single_observation_space)

    @property
    def action_space(self) -> spaces.Dict:
        """agent -> MultiDiscrete (num_envs,) of its legal actions (the single space's start)."""
        return self._batched_space("action", self.single_action_space)

    def agent_batch(self, role: str, policies: Mapping[str, Any] | None = None) -> AgentBatchEnv:
        """The agents of ``role`` as a plain single-agent ``gymnasium.vector.VectorEnv`` of
        ``num_envs x k`` slots (slot ``j * num_envs + e``: the role's agent j in environment e),
        array observations and scalar rewards; ``policies`` (role or agent -> ``"random"``, an
        action or a callable) drive the others. See :mod:`ai_safety_gridworlds.batch.agent_batch`.
        """
        from ai_safety_gridworlds.batch.agent_batch import AgentBatchEnv

        return AgentBatchEnv(self, role, policies)

    @property
    def roles(self) -> dict[str, list[str]]:
        """role -> its agents, in ``possible_agents`` order."""
        roles: dict[str, list[str]] = {}
        for agent in self.possible_agents:
            roles.setdefault(self.batch_spec.role(agent), []).append(agent)
        return roles

    # ------------------------------------------------------------------ API

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Reset slots (all, or ``options["reset_mask"]``); returns (observations, infos).

        An int ``seed`` also seeds ``np_random`` (Gymnasium's convention); a list seeds it with
        its first int."""
        self._check_open()
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
        elif (
            isinstance(seed, np.ndarray)
            and seed.ndim == 1
            or (isinstance(seed, Sequence) and not isinstance(seed, str))
        ):
            seed = seed.tolist() if isinstance(seed, np.ndarray) else seed
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
        if isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
        elif seed is not None:
            super().reset(seed=next((int(s) for s in seed if s is not None), None))
        self._seeded = True
        self._publish()
        self._render_human()
        return self.observations, dict(self.infos)

    def step(
        self, actions: np.ndarray | Mapping[str, Any] | None = None
    ) -> tuple[dict, dict, dict, dict, dict]:
        """One tick of every slot; returns (observations, rewards, terminations, truncations,
        infos), dicts keyed by agent (infos by info name).

        ``actions``: int (N, A) array in ``possible_agents`` order, a dict agent -> int (N,)
        array, or None to use the ``actions`` buffer as it is.
        """
        self._check_open()
        if not self._seeded:
            raise RuntimeError("reset() must be called before step()")
        actions = self._check_actions(actions)
        bad = self._backend_step(actions)
        if bad:
            raise self._illegal_action(actions, bad - 1)
        if self._publishes:
            self._publish()
        if self.render_mode == "human":
            self.render()
        infos = dict(self.infos)  # a fresh dict each step: wrappers add their keys to it
        return self.observations, self.rewards, self.terminations, self.truncations, infos

    def _publish(self) -> None:
        """Put what the backend wrote into the observation layout and the reward mode."""
        if self.observation_layout != "CHW":
            for agent, out in self.unpacked_observations.items():
                np.copyto(out, np.moveaxis(self._kernel_observations[agent], 1, -1))
        if self.observation_encoding == "packed":
            pack = getattr(self._backend, "pack", binding.pack_bits)
            for agent, out in self.observations.items():
                pack(self.unpacked_observations[agent], out)
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
        self._channels_first_state()
        if self.observation_layout == "CHW":
            return self._state_out
        if self._state_layout is None:
            self._state_layout = np.zeros(
                layout_shape(self._state_out.shape, self.observation_layout), np.uint8
            )
        np.copyto(self._state_layout, np.moveaxis(self._state_out, 1, -1))
        return self._state_layout

    def _channels_first_state(self) -> np.ndarray:
        if self._state_out is None:
            self._state_out = np.zeros((self.num_envs, *self.batch_spec.state_shape), np.uint8)
        self._backend.state(self._state_out)
        return self._state_out

    # ------------------------------------------------------------------ render, close

    def render(self) -> str | np.ndarray | None:
        """A frame of ``render_slots`` (default slot 0) in ``render_mode``: "rgb_array" a uint8
        image (one slot, or a grid of tiles), "ansi" the boards as text; "human" prints the
        text (also on every reset and step). Drawn from the state layers (``batch.render``)."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() called without a render_mode; pass render_mode='human', 'ansi' or "
                "'rgb_array' to vector_env"
            )
            return None
        if not self._seeded:
            raise RuntimeError("reset() must be called before render()")
        slots = list(self.render_slots)
        bad = [s for s in slots if not 0 <= s < self.num_envs]
        if not slots or bad:
            raise ValueError(
                f"render_slots must be slot numbers in [0, {self.num_envs - 1}], got {slots!r}"
            )
        states = self._channels_first_state()
        if self.render_mode == "rgb_array":
            return self._renderer.rgb(states, slots)
        text = self._renderer.ansi(states, slots, self._backend.ticks)
        if self.render_mode == "ansi":
            return text
        print(text, flush=True)
        return None

    def _render_human(self) -> None:
        if self.render_mode == "human":
            self.render()

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the backend's threads (if it has any); every buffer is a numpy array. Later
        calls raise."""
        close = getattr(self._backend, "close", None)
        if close is not None:
            close()

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("this batch is closed")

    def __enter__(self) -> VectorEnv:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ actions

    @property
    def actions(self) -> np.ndarray:
        """The int64 (N, A) action buffer the backend reads (see the module docstring)."""
        return self._buffers["actions"]

    @actions.setter
    def actions(self, actions: np.ndarray | Mapping[str, Any]) -> None:
        self._check_actions(actions, self._buffers["actions"])

    def _check_actions(self, actions: Any, buffer: np.ndarray | None = None) -> np.ndarray:
        """Copy ``actions`` (an int array (N, A) or a dict agent -> int (N,) array) into
        ``buffer`` (default: the one ``step`` hands the backend) and return it; None returns the
        ``actions`` buffer itself. ValueError, with ``buffer`` unchanged, when they are not
        such integers."""
        if actions is None or actions is self._buffers["actions"]:
            return self._buffers["actions"]
        buffer = self._given_actions if buffer is None else buffer
        shape = buffer.shape
        if (
            type(actions) is np.ndarray
            and actions.shape == shape
            and actions.dtype.kind == "i"  # signed: every value fits the int64 buffer
        ):  # the common case, checked as below in fewer steps (every step pays for this)
            buffer[...] = actions  # (a signed int into int64: no value changes)
            return buffer
        if isinstance(actions, Mapping):
            missing = [a for a in self.possible_agents if a not in actions]
            extra = sorted(set(actions) - set(self.possible_agents), key=str)
            if missing or extra:
                raise ValueError(
                    f"actions dict must have exactly the agents {self.possible_agents}; "
                    f"missing {missing}, unknown {extra}"
                )
            columns = []
            for a in self.possible_agents:
                column = actions[a]
                if not isinstance(column, np.ndarray):
                    column = np.asarray(column)
                if column.shape != (self.num_envs,) or not np.issubdtype(column.dtype, np.integer):
                    raise ValueError(
                        f"actions[{a!r}] must be an int array of shape ({self.num_envs},), "
                        f"got dtype {column.dtype} shape {column.shape}"
                    )
                self._check_range(column, f"actions[{a!r}]")
                columns.append(column)
            for i, column in enumerate(columns):
                np.copyto(buffer[:, i], column, casting="unsafe")
            return buffer
        if not isinstance(actions, np.ndarray):
            raise ValueError(
                f"actions must be an int numpy array of shape {shape} (or a dict agent -> array), "
                f"got {type(actions).__name__}"
            )
        if actions.shape != shape:
            raise ValueError(f"actions must have shape {shape}, got shape {actions.shape}")
        if not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(f"actions must have an integer dtype, got dtype {actions.dtype}")
        self._check_range(actions, "actions")
        np.copyto(buffer, actions, casting="unsafe")
        return buffer

    @staticmethod
    def _check_range(values: np.ndarray, name: str) -> None:
        """ValueError if an unsigned 64-bit value does not fit the int64 buffer."""
        if values.dtype == np.uint64 and values.size and values.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name} has a value out of range: {int(values.max())}")

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


def _check_binary_channels(spec: BatchSpec) -> None:
    """ValueError unless every observation channel of ``spec`` is binary (what "packed" needs)."""
    high = spec.channel_high
    if high is not None and any(int(h) > 1 for h in high):
        wide = [i for i, h in enumerate(high) if int(h) > 1]
        raise ValueError(
            "observation_encoding='packed' needs binary channels (values 0 or 1); channels "
            f"{wide[:8]}{' ...' if len(wide) > 8 else ''} go up to {max(high)}: use 'onehot'"
        )
