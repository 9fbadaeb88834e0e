"""The preallocated arrays of a batch: checked when the caller gives them, made otherwise.

A batch writes into these arrays and returns them (no copies). Observations of the agents of one
role that share a shape live in one block (agents of the role, num_envs, ...), so that
``VectorEnv.agent_batch(role)`` hands out ``block.reshape(-1, ...)`` without copying: slot
``j * num_envs + e`` is the role's agent ``j`` in environment ``e``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from ai_safety_gridworlds.batch.spec import BUFFER_NAMES, BatchSpec, check_buffer
from ai_safety_gridworlds.core.views import layout_shape


@dataclasses.dataclass
class Buffers:
    """Every array of a batch.

    ``arrays``: name -> array (``observations`` a dict agent -> array, in the observation layout),
    ``kernel_observations``: what the backend writes (channels first; the same arrays as
    ``arrays["observations"]`` for layout "CHW"), ``role_blocks``: role -> the block holding its
    agents' observations (only for roles whose observation buffers were made here).
    """

    arrays: dict[str, Any]
    kernel_observations: dict[str, np.ndarray]
    role_blocks: dict[str, np.ndarray]


def make_buffers(spec: BatchSpec, num_envs: int, layout: str, given: Mapping[str, Any]) -> Buffers:
    """The arrays of a batch of ``num_envs``: ``given`` ones checked (dtype, shape, contiguity,
    writeable, no overlap; ValueError naming the buffer), the others zeroed."""
    unknown = sorted(set(given) - set(BUFFER_NAMES))
    if unknown:
        raise ValueError(f"unknown buffer {unknown[0]!r}; allowed: {list(BUFFER_NAMES)}")
    n, agents = num_envs, spec.possible_agents
    shapes = {
        "actions": (np.int64, (n, len(agents))),
        "rewards": (np.float32, (n, len(agents), spec.max_dims)),
        "terminations": (np.bool_, (n, len(agents))),
        "truncations": (np.bool_, (n, len(agents))),
        "safety": (np.int64, (n, len(spec.int_safety_names))),
        "float_safety": (np.float64, (n, len(spec.float_safety_names))),
    }
    if spec.population:
        shapes["alive"] = (np.bool_, (n, len(agents)))
    elif "alive" in given:
        raise ValueError("buffers['alive'] is only for games whose population changes")
    arrays: dict[str, Any] = {}
    for name, (dtype, shape) in shapes.items():
        if name in given:
            arrays[name] = check_buffer(f"buffers[{name!r}]", given[name], dtype, shape)
        else:
            arrays[name] = np.zeros(shape, dtype)
    observations = given.get("observations", {})
    if not isinstance(observations, Mapping):
        shape = ", ".join(layout_shape(("num_envs", "C", "h", "w"), layout))
        raise ValueError(f"buffers['observations'] must be a dict agent -> uint8 array ({shape})")
    extra = sorted(set(observations) - set(agents))
    if extra:
        raise ValueError(f"buffers['observations'] has unknown agent {extra[0]!r}")
    out_shapes = {a: layout_shape((n, *spec.observation_shapes[a]), layout) for a in agents}
    arrays["observations"] = {
        a: check_buffer(f"buffers['observations'][{a!r}]", observations[a], np.uint8, out_shapes[a])
        for a in agents
        if a in observations
    }
    role_blocks = _role_blocks(spec, [a for a in agents if a not in observations], out_shapes)
    for role, block in role_blocks.items():
        members = [a for a in agents if a not in observations and spec.role(a) == role]
        arrays["observations"].update(zip(members, block, strict=True))
    for a in agents:  # agents of a role with several shapes: an array each
        if a not in arrays["observations"]:
            arrays["observations"][a] = np.zeros(out_shapes[a], np.uint8)
    arrays["observations"] = {a: arrays["observations"][a] for a in agents}
    kernel_observations = arrays["observations"]
    if layout != "CHW":  # the backends write channels first; the batch copies into the layout
        kernel_observations = {
            a: np.zeros((n, *spec.observation_shapes[a]), np.uint8) for a in agents
        }
    _check_no_overlap(arrays)
    return Buffers(arrays, kernel_observations, role_blocks)


def _role_blocks(
    spec: BatchSpec, agents: list[str], shapes: Mapping[str, tuple[int, ...]]
) -> dict[str, np.ndarray]:
    """One zeroed block (agents of the role, *shape) per role whose ``agents`` share a shape."""
    by_role: dict[str, list[str]] = {}
    for agent in agents:
        by_role.setdefault(spec.role(agent), []).append(agent)
    return {
        role: np.zeros((len(members), *shapes[members[0]]), np.uint8)
        for role, members in by_role.items()
        if len({shapes[a] for a in members}) == 1
    }


def _check_no_overlap(arrays: Mapping[str, Any]) -> None:
    named = [(k, v) for k, v in arrays.items() if k != "observations"]
    named += [(f"observations[{a!r}]", v) for a, v in arrays["observations"].items()]
    for i, (name_a, a) in enumerate(named):
        for name_b, b in named[i + 1 :]:
            if np.may_share_memory(a, b):
                raise ValueError(f"buffers {name_a} and {name_b} overlap in memory")
