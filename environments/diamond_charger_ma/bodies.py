"""Diamond charger bodies: energy profiles, the bodies made of them, and who gets which body.

A **profile** is a named set of an agent's physical numbers: its energy capacity
(``max_energy``), how many units of each resource it carries (``carry``), how far it sees
inside its observation window (``view``: a Chebyshev radius around its own cell, ``None`` for
the whole window), its cost of living per tick (``upkeep``) and the energy cost of every action
kind (:data:`COST_KINDS`). A **body** is a list of profiles, its **postures**: an agent starts
in its body's first posture and SWITCH_POSTURE moves it to the next one (cyclically), so a
``"fighter/worker"`` body can switch between fighting and working. Who gets which body is the
config's ``body_assignment``: ``agents`` (agent ``i`` gets ``bodies[i % B]``), ``teams`` (team
``t`` gets ``bodies[t % B]``) or ``random`` (each agent, every episode, draws a body with
probability proportional to ``body_weights``; counter-based stream :data:`STREAM_BODIES`,
``below(stream_base(key, 0, STREAM_BODIES), i, total weight)`` for agent ``i``, the body whose
cumulative weight first exceeds the draw).

The profile table (:func:`profile_table`) is the built-in profiles in :data:`BUILTIN` order,
each overridden by a profile of the same name in the config's ``profiles`` text, then the
config's new profiles in the order written. ``default`` is the config's own numbers
(``max_energy``, ``max_diamonds`` as carry, ``upkeep_energy``, every ``*_energy`` cost); the
other built-ins change some of them (:data:`BUILTIN`) and keep the rest, and so do profiles in
the text: ``"tank: max_energy=400, carry=2, move=3; sprinter: move=0, upkeep=2"``. A profile's
index in the table (+ 1) is what the "agent posture" observation channel shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ai_safety_gridworlds.core import rng

STREAM_BODIES = rng.FIRST_ENVIRONMENT_STREAM + 2
"""Counter-based stream of the per-episode body draws (``body_assignment="random"``)."""

MAX_PROFILES = 16
MAX_BODIES = 16
MAX_POSTURES = 4
ASSIGNMENTS = ("agents", "teams", "random")

COST_KINDS = {
    "noop": "noop_energy",
    "rotate": "rotate_energy",
    "move": "move_energy",
    "use": "use_energy",
    "attack": "attack_energy",
    "shield": "shield_toggle_energy",
    "give_diamond": "give_diamond_energy",
    "give_ore": "give_ore_energy",
    "give_battery": "give_battery_energy",
    "marker": "marker_energy",
    "colour": "colour_energy",
    "bond": "bond_energy",
    "posture": "posture_energy",
    "build": "build_energy",
    "reproduce": "reproduce_energy",
    "break_bond": "bond_break_energy",
}
"""Every action kind with an energy cost, and the config field of its default cost (GIVE_ENERGY
costs what it gives)."""

FIELDS = ("max_energy", "carry", "view", "upkeep")
"""A profile's numbers besides its costs."""

BUILTIN: dict[str, dict[str, Any]] = {
    "default": {},
    "worker": dict(carry=8, view=3, use=0, attack=20),
    "fighter": dict(max_energy=300, carry=3, view=3, upkeep=2, move=2, attack=5, shield=0),
    "scout": dict(max_energy=150, carry=2, rotate=0, attack=20),
    "rest": dict(view=1, upkeep=0, move=3, rotate=2, attack=20),
}
"""The built-in profiles: what each changes in ``default`` (the config's own numbers)."""


@dataclasses.dataclass(frozen=True)
class Profile:
    """An energy profile: capacity, carry, view, upkeep and the cost of each action kind."""

    name: str
    max_energy: int
    carry: int
    view: int | None
    upkeep: int
    costs: Mapping[str, int]

    def cost(self, kind: str) -> int:
        """The energy cost of an action kind (a key of :data:`COST_KINDS`)."""
        return self.costs[kind]


def _number(name: str, key: str, text: str) -> int | None:
    if key == "view" and text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"profile {name!r}: {key}={text!r} is not an int") from None
    low = 1 if key in ("max_energy", "carry") else 0
    if value < low or (key == "carry" and value > 255) or value > 1_000_000_000:
        raise ValueError(f"profile {name!r}: {key}={value} is out of range")
    return value


def parse_profiles(text: str) -> dict[str, dict[str, int | None]]:
    """The profiles of a ``profiles`` text, as name -> changed numbers (ValueError if bad).

    Form: ``"name: key=value, key=value; name: ..."``; keys are :data:`FIELDS` and
    :data:`COST_KINDS`; names are lowercase words.
    """
    profiles: dict[str, dict[str, int | None]] = {}
    for part in (p for p in text.split(";") if p.strip()):
        name, sep, body = part.partition(":")
        name = name.strip()
        if not sep or not name.isidentifier() or name != name.lower():
            raise ValueError(f"profile {part.strip()!r} is not 'name: key=value, ...'")
        if name in profiles:
            raise ValueError(f"profile {name!r} is defined twice")
        values: dict[str, int | None] = {}
        for item in (i for i in body.split(",") if i.strip()):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or (key not in FIELDS and key not in COST_KINDS):
                raise ValueError(
                    f"profile {name!r}: unknown key {key!r}; allowed: "
                    f"{', '.join((*FIELDS, *COST_KINDS))}"
                )
            values[key] = _number(name, key, value)
        profiles[name] = values
    return profiles


def check_profiles(value: object) -> str:
    """The ``profiles`` config field: a profiles text (normalised), ValueError if bad."""
    if not isinstance(value, str):
        raise ValueError(f"got {value!r}")
    profiles = parse_profiles(value)
    if len(set(BUILTIN) | set(profiles)) > MAX_PROFILES:
        raise ValueError(f"more than {MAX_PROFILES} profiles")
    return "; ".join(
        f"{name}: " + ", ".join(f"{k}={v}" for k, v in values.items())
        for name, values in profiles.items()
    )


def check_bodies(value: object) -> tuple[str, ...]:
    """The ``bodies`` config field: bodies written ``"posture/posture"`` (names checked later)."""
    if isinstance(value, str):
        value = tuple(v for v in value.split(",") if v.strip())
    if not isinstance(value, (list, tuple)) or not value or len(value) > MAX_BODIES:
        raise ValueError(f"got {value!r}")
    bodies = []
    for body in value:
        if not isinstance(body, str):
            raise ValueError(f"got {value!r}")
        postures = [p.strip() for p in body.split("/")]
        if not all(postures) or len(postures) > MAX_POSTURES:
            raise ValueError(f"got {value!r}")
        bodies.append("/".join(postures))
    return tuple(bodies)


def check_weights(value: object) -> tuple[int, ...] | None:
    """The ``body_weights`` config field: None or ints >= 0 with a positive sum."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"got {value!r}")
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value):
        raise ValueError(f"got {value!r}")
    if sum(value) == 0 or sum(value) > 2**31:
        raise ValueError(f"got {value!r}")
    return tuple(int(v) for v in value)


def default_numbers(config: Any) -> dict[str, int | None]:
    """The ``default`` profile's numbers: the config's own."""
    numbers: dict[str, int | None] = {
        "max_energy": config.max_energy,
        "carry": config.max_diamonds,
        "view": None,
        "upkeep": config.upkeep_energy,
    }
    numbers.update({kind: getattr(config, field) for kind, field in COST_KINDS.items()})
    return numbers


def profile_table(config: Any) -> tuple[Profile, ...]:
    """Every profile of a config, in table order (see the module docstring)."""
    given = parse_profiles(config.profiles)
    base = default_numbers(config)
    names = [*BUILTIN, *(name for name in given if name not in BUILTIN)]
    table = []
    for name in names:
        numbers = {**base, **BUILTIN.get(name, {}), **given.get(name, {})}
        table.append(
            Profile(
                name,
                numbers["max_energy"],
                numbers["carry"],
                numbers["view"],
                numbers["upkeep"],
                {kind: numbers[kind] for kind in COST_KINDS},
            )
        )
    return tuple(table)


def body_postures(config: Any, table: Sequence[Profile]) -> tuple[tuple[int, ...], ...]:
    """Each body of the config as its postures' profile indices (ValueError naming a profile
    that does not exist)."""
    index = {profile.name: i for i, profile in enumerate(table)}
    bodies = []
    for body in config.bodies:
        postures = []
        for name in body.split("/"):
            if name not in index:
                raise ValueError(
                    f"body {body!r} names an unknown profile {name!r}; allowed: "
                    f"{', '.join(index)} (and profiles defined in 'profiles')"
                )
            postures.append(index[name])
        bodies.append(tuple(postures))
    return tuple(bodies)


def fixed_bodies(config: Any, teams: Sequence[int]) -> tuple[int, ...] | None:
    """Every starting agent's body index, or None when bodies are drawn per episode."""
    count = len(config.bodies)
    if config.body_assignment == "agents":
        return tuple(i % count for i in range(len(teams)))
    if config.body_assignment == "teams":
        return tuple(team % count for team in teams)
    return None


def draw_bodies(weights: Sequence[int], num_agents: int, key: int) -> tuple[int, ...]:
    """Every agent's body drawn for the episode ``key`` (``body_assignment="random"``)."""
    base = rng.stream_base(key, 0, STREAM_BODIES)
    total = sum(weights)
    bodies = []
    for agent in range(num_agents):
        draw = rng.below(base, agent, total)
        body, cumulative = 0, weights[0]
        while draw >= cumulative:
            body += 1
            cumulative += weights[body]
        bodies.append(body)
    return tuple(bodies)


def episode_bodies(config: Any, teams: Sequence[int], key: int) -> tuple[int, ...]:
    """Every starting agent's body index for the episode ``key``."""
    fixed = fixed_bodies(config, teams)
    if fixed is not None:
        return fixed
    weights = config.body_weights or (1,) * len(config.bodies)
    return draw_bodies(weights, len(teams), key)


def validate(config: Any) -> None:
    """Cross-field rules of the bodies (ValueError naming the field)."""
    name = type(config).__name__
    try:
        table = profile_table(config)
        body_postures(config, table)
    except ValueError as error:
        raise ValueError(f"{name}: invalid bodies or profiles: {error}") from None
    if config.body_weights is not None and len(config.body_weights) != len(config.bodies):
        raise ValueError(
            f"{name}: body_weights has {len(config.body_weights)} weights for "
            f"{len(config.bodies)} bodies; allowed: one weight per body"
        )
