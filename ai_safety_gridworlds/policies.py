"""Policies: what chooses an agent's actions from its own observation and info.

A policy drives one agent. It is built with a :class:`PolicyContext` (the
agent's name, role, observation channels, view and action set, and the
public config) and its own settings (``parameters``: a spec such as
``raider(max_kinship=0.5)`` sets them), is reset at the start of every
episode with a seed, and maps the agent's observation and its own info to
an action. It never sees
the hidden state: the runner removes ``safety`` from the info it passes.

An agent's info holds its own ``position`` (row, col) and facings
(``observation_facing``, ``action_facing``) -- its proprioception -- and the
``tick``. :class:`BoardMemory` turns a stream of egocentric observations into
a remembered map in board coordinates, for policies that navigate.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.views import ViewSpec


@dataclasses.dataclass(frozen=True)
class PolicyContext:
    """What a policy may know about its agent and the environment's public rules."""

    agent: str
    role: str
    agent_index: int
    channels: tuple[str, ...]
    num_actions: int
    legal_actions: np.ndarray
    view: ViewSpec
    board_shape: tuple[int, int]
    config: Any
    agents_by_role: Mapping[str, tuple[str, ...]]

    def channel(self, name: str) -> int:
        """Index of a named observation channel."""
        return self.channels.index(name)


class Policy:
    """Base class: override :meth:`act` (and :meth:`reset` if it keeps state).

    A policy with settings declares them in ``parameters`` (name -> default); a policy spec
    ``name(key=value, ...)`` sets them (:func:`split_policy_spec`), checked by
    :func:`check_parameters`, and the policy reads them from ``self.params``.
    """

    parameters: ClassVar[Mapping[str, bool | int | float | str]] = {}
    """The settings this policy takes, with their defaults (their type is the default's)."""

    def __init__(self, context: PolicyContext, **params: Any):
        self.context = context
        self.params = check_parameters(type(self), params)

    def reset(self, seed: int) -> None:
        """Start a new episode."""

    def act(self, observation: np.ndarray, info: Mapping[str, Any]) -> int:
        """The action for this observation."""
        raise NotImplementedError

    def __call__(self, observation: np.ndarray, info: Mapping[str, Any]) -> int:
        return self.act(observation, info)


class RandomPolicy(Policy):
    """Uniformly random legal actions from the counter-based generator."""

    def reset(self, seed: int) -> None:
        self._key = rng.episode_key(rng.seed_to_int(seed), 0)
        self._legal = np.flatnonzero(self.context.legal_actions)
        self._count = 0

    def act(self, observation: np.ndarray, info: Mapping[str, Any]) -> int:
        base = rng.stream_base(self._key, self._count, rng.FIRST_ENVIRONMENT_STREAM)
        self._count += 1
        return int(self._legal[rng.below(base, 0, len(self._legal))])


class FunctionPolicy(Policy):
    """Wraps a plain function ``(observation, info) -> action``."""

    def __init__(self, context: PolicyContext, function: Callable[[np.ndarray, Mapping], int]):
        super().__init__(context)
        self._function = function

    def act(self, observation: np.ndarray, info: Mapping[str, Any]) -> int:
        return int(self._function(observation, info))


def split_policy_spec(text: str) -> tuple[str, dict[str, Any]]:
    """``"name(key=value, ...)"`` as the name and its settings; a plain name has none.

    Values are read as JSON scalars where they can be (``0.3``, ``12``, ``true``), else kept as
    text. ValueError for a malformed spec.
    """
    text = text.strip()
    name, paren, rest = text.partition("(")
    name = name.strip()
    if not paren:
        return text, {}
    if not rest.endswith(")") or not name:
        raise ValueError(f"policy {text!r} is not of the form name(key=value, ...)")
    params: dict[str, Any] = {}
    for part in rest[:-1].split(","):
        if not part.strip():
            continue
        key, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not key.isidentifier() or not value:
            raise ValueError(f"policy {text!r}: {part.strip()!r} is not of the form key=value")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return name, params


def check_parameters(policy: type[Policy], params: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a policy class: its ``parameters`` defaults updated by ``params``.

    ValueError naming the setting for an unknown one or a value of the wrong type (an int is
    accepted for a float setting).
    """
    allowed = dict(policy.parameters)
    values = dict(allowed)
    for key, value in params.items():
        if key not in allowed:
            known = ", ".join(f"{k}={v!r}" for k, v in allowed.items()) or "none"
            raise ValueError(
                f"policy {policy.__name__} has no setting {key!r}; its settings: {known}"
            )
        default = allowed[key]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ValueError(
                f"policy {policy.__name__}: {key}={value!r} must be a "
                f"{type(default).__name__} (default {default!r})"
            )
        values[key] = value
    return values


def load_callable(spec: str) -> Callable:
    """Import ``module:callable``; clear ValueError when it cannot be found."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"policy {spec!r} is not of the form 'module:callable'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"policy {spec!r}: cannot import module {module_name!r} ({error})"
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(
            f"policy {spec!r}: module {module_name!r} has no attribute {attribute!r}"
        ) from None


def build_policy(
    factory: Any, context: PolicyContext, scripted: Mapping[str, type[Policy]] | None = None
) -> Policy:
    """A policy from a name, a ``module:callable`` string, a Policy class or a callable.

    A name is ``"random"`` or one of ``scripted`` (the role's scripted policies
    by name). A callable is called with the context; if it returns a
    :class:`Policy` that is used, otherwise the callable itself is taken as
    ``(observation, info) -> action``.
    """
    if isinstance(factory, str) and ":" not in factory:
        scripted = {"random": RandomPolicy, **(scripted or {})}
        name, params = split_policy_spec(factory)
        if name not in scripted:
            raise ValueError(
                f"unknown {context.role} policy {name!r}; allowed: "
                f"{sorted(scripted)}, a name with settings 'name(key=value, ...)' "
                "or 'module:callable'"
            )
        return scripted[name](context, **params)
    if isinstance(factory, str):
        factory = load_callable(factory)
    if isinstance(factory, type) and issubclass(factory, Policy):
        return factory(context)
    if callable(factory):
        try:
            made = factory(context)
        except TypeError:
            made = None
        if isinstance(made, Policy):
            return made
        return FunctionPolicy(context, factory)
    raise ValueError(f"cannot build a policy from {factory!r}")


# ---------------------------------------------------------------------------
# Navigation helpers for scripted policies


def board_frame(observation: np.ndarray, facing: int, view: ViewSpec) -> np.ndarray:
    """Undo the view's rotation: the observation as if the agent faced up."""
    if view.is_global or facing == 0:
        return observation
    return np.rot90(observation, -facing, axes=(-2, -1))


class BoardMemory:
    """A remembered map in board coordinates built from egocentric observations.

    ``seen[c]`` is the last value seen of each channel (-1 where never seen)
    and ``seen_tick`` when each cell was last seen.
    """

    def __init__(self, context: PolicyContext):
        self.context = context
        rows, cols = context.board_shape
        self.seen = np.full((len(context.channels), rows, cols), -1, np.int16)
        self.seen_tick = np.full((rows, cols), -1, np.int64)
        self.position = (0, 0)

    def update(self, observation: np.ndarray, info: Mapping[str, Any]) -> None:
        """Integrate one observation, placed with the agent's own position.

        When the info has a ``view`` radius (an int), only the cells within that Chebyshev
        distance of the agent are integrated (the others of its window are hidden).
        """
        view = self.context.view
        frame = board_frame(observation, info.get("observation_facing", 0), view)
        self.position = tuple(info["position"])
        self_cells = np.argwhere(frame[0])
        if len(self_cells) == 0:
            return
        top = self.position[0] - int(self_cells[0][0])
        left = self.position[1] - int(self_cells[0][1])
        rows, cols = self.context.board_shape
        h, w = frame.shape[1:]
        r0, c0 = max(0, top), max(0, left)
        r1, c1 = min(rows, top + h), min(cols, left + w)
        reach = info.get("view")
        if reach is not None:
            row, col = self.position
            r0, r1 = max(r0, row - reach), min(r1, row + reach + 1)
            c0, c1 = max(c0, col - reach), min(c1, col + reach + 1)
        if r0 >= r1 or c0 >= c1:
            return
        self.seen[:, r0:r1, c0:c1] = frame[:, r0 - top : r1 - top, c0 - left : c1 - left]
        self.seen_tick[r0:r1, c0:c1] = info.get("tick", 0)

    def cells(self, channel: str) -> list[tuple[int, int]]:
        """Remembered cells where a channel was on."""
        return [
            tuple(map(int, rc)) for rc in np.argwhere(self.seen[self.context.channel(channel)] == 1)
        ]

    def known(self, channel: str) -> np.ndarray:
        """Boolean mask of cells where the channel was seen on."""
        return self.seen[self.context.channel(channel)] == 1

    def passable(self, blocked_channels: tuple[str, ...] = ("wall",)) -> np.ndarray:
        """Cells believed passable (unknown cells are assumed passable)."""
        blocked = np.zeros(self.context.board_shape, bool)
        for name in blocked_channels:
            blocked |= self.known(name)
        return ~blocked


def first_step(
    passable: np.ndarray, start: tuple[int, int], goals: set[tuple[int, int]]
) -> int | None:
    """Absolute direction of the first step of a shortest path to any goal.

    Breadth-first search over ``passable`` cells (directions tried up, right,
    down, left). Returns None if ``start`` is a goal or no goal is reachable.
    """
    if start in goals or not goals:
        return None
    rows, cols = passable.shape
    first: dict[tuple[int, int], int] = {start: -1}
    queue = collections.deque([start])
    while queue:
        cell = queue.popleft()
        for direction, (d_row, d_col) in enumerate(act.DIRECTION_OFFSETS):
            nxt = (cell[0] + d_row, cell[1] + d_col)
            if nxt in first or not (0 <= nxt[0] < rows and 0 <= nxt[1] < cols):
                continue
            if not passable[nxt] and nxt not in goals:
                continue
            first[nxt] = direction if first[cell] < 0 else first[cell]
            if nxt in goals:
                return first[nxt]
            queue.append(nxt)
    return None


def path_distances(passable: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """Steps of a shortest path from ``start`` to every cell over ``passable`` cells.

    Breadth-first search with 4-neighbour moves; int64 (rows, cols), -1 where unreachable.
    ``start`` itself is 0 even if it is not passable; other impassable cells are -1.
    """
    rows, cols = passable.shape
    distance = np.full((rows, cols), -1, np.int64)
    distance[start] = 0
    queue = collections.deque([start])
    while queue:
        cell = queue.popleft()
        for d_row, d_col in act.DIRECTION_OFFSETS:
            nxt = (cell[0] + d_row, cell[1] + d_col)
            if 0 <= nxt[0] < rows and 0 <= nxt[1] < cols and distance[nxt] < 0 and passable[nxt]:
                distance[nxt] = distance[cell] + 1
                queue.append(nxt)
    return distance


_DIRECTION_ACTIONS = (act.Action.UP, act.Action.RIGHT, act.Action.DOWN, act.Action.LEFT)


def direction_action(direction: int, info: Mapping[str, Any], action_direction_mode: int) -> int:
    """The movement action that moves in an absolute direction, given the agent's facing."""
    if action_direction_mode == 0:
        return int(_DIRECTION_ACTIONS[direction])
    relative = (direction - info.get("action_facing", 0)) % 4
    return int(_DIRECTION_ACTIONS[relative])
