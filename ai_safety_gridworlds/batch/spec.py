"""What a batch knows about a game, and what a batch backend does: the data shared by
:class:`~ai_safety_gridworlds.batch.vector.VectorEnv`, the numpy fallback and the games' C
bindings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

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
    "alive",
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
    roles: Mapping[str, str] | None = None
    """Each agent's role (None: every agent its own)."""
    reward_bounds: Mapping[str, tuple[Any, Any]] | None = None
    """Per-agent (low, high) of each reward dimension (None: unbounded)."""

    masked_reasons: Mapping[str, tuple[str, ...]] | None = None
    """Per agent and action, why the action is masked ("" when legal; None: noops=False)."""
    accepted_actions: Mapping[str, np.ndarray] | None = None
    """Per agent, the actions a step accepts (None: the legal ones); ``MultiAgentGame``'s."""
    population: bool = False
    """Whether agents die and are born (``MultiAgentGame.live_agents``): ``infos["alive"]``."""

    def role(self, agent: str) -> str:
        """The agent's role."""
        return agent if self.roles is None else self.roles[agent]

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
