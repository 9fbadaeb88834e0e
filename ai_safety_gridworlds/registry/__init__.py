"""The environments installed with the toolkit and their named presets, found by entry point.

Packages list environments with entry points of the group ``ai_safety_gridworlds.environments``
(setuptools ``entry_points``). An entry point names one entry or a mapping of environment names
to entries. An entry says where the environment's module and game class live and the names of
its presets (the keys of the module's ``PRESETS``, listed so that Gymnasium ids can be
registered without importing any environment): an :class:`EnvironmentEntry`, or a plain mapping
with the keys ``module``, ``game`` and ``presets``, so that the module listing it need not import
the framework (which would import it back while it is half loaded). This toolkit's own table is
``environments.catalog.ENVIRONMENTS``; to add an environment to it, add one line there. Another
package adds its own in its ``setup.py`` or ``pyproject.toml``::

    entry_points={"ai_safety_gridworlds.environments": ["my_env = my_package.catalog:MY_ENV"]}

Every environment and preset can be made by name::

    registry.make("firemaker_ex_ma", kind="parallel", preset="anchor_compatible", num_workers=3)
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.metadata
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import Any

GYM_NAMESPACE = "ai_safety_gridworlds"
KINDS = ("parallel", "aec", "raw")
#: The entry-point group that lists environments.
ENTRY_POINT_GROUP = "ai_safety_gridworlds.environments"


@dataclasses.dataclass(frozen=True)
class EnvironmentEntry:
    """Where an environment lives: its module, its game class and its preset names."""

    module: str
    game: str
    presets: tuple[str, ...]


_ENTRY_FIELDS = ("module", "game", "presets")


def _as_entry(source: str, name: str, item: Any) -> EnvironmentEntry:
    """An entry listed by ``source``: an EnvironmentEntry or a mapping of its fields."""
    if isinstance(item, EnvironmentEntry):
        return item
    if not isinstance(item, Mapping) or sorted(item) != sorted(_ENTRY_FIELDS):
        raise ValueError(
            f"{source} lists {name!r} as {item!r}; expected an EnvironmentEntry or a mapping "
            f"with the keys {', '.join(_ENTRY_FIELDS)}"
        )
    return EnvironmentEntry(item["module"], item["game"], tuple(item["presets"]))


def table_of(listings: Iterable[tuple[str, str, Any]]) -> dict[str, EnvironmentEntry]:
    """The environments of ``(entry-point name, where it points, loaded object)`` listings.

    A loaded object is one entry (named by the entry point) or a mapping name -> entry.
    ValueError for a malformed entry or a name listed twice with different entries.
    """
    table: dict[str, EnvironmentEntry] = {}
    for point_name, value, listed in listings:
        source = f"entry point {point_name} = {value} ({ENTRY_POINT_GROUP})"
        single = isinstance(listed, EnvironmentEntry) or (
            isinstance(listed, Mapping) and sorted(listed) == sorted(_ENTRY_FIELDS)
        )
        if not single and not isinstance(listed, Mapping):
            raise ValueError(f"{source} is {listed!r}; expected an entry or a mapping of entries")
        for name, item in ({point_name: listed} if single else dict(listed)).items():
            entry = _as_entry(source, name, item)
            if name in table and table[name] != entry:
                raise ValueError(
                    f"environment {name!r} is listed twice with different entries "
                    f"({table[name]}, and {entry} by {source})"
                )
            table[name] = entry
    return table


@functools.cache
def _discover() -> dict[str, EnvironmentEntry]:
    """Every environment the installed packages' entry points list, in entry-point order."""
    points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return table_of((point.name, point.value, point.load()) for point in points)


class _Environments(Mapping[str, EnvironmentEntry]):
    """Environment name -> :class:`EnvironmentEntry`, read from the entry points on first use."""

    def __getitem__(self, name: str) -> EnvironmentEntry:
        return _discover()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_discover())

    def __len__(self) -> int:
        return len(_discover())

    def __repr__(self) -> str:
        return f"ENVIRONMENTS({_discover()!r})"


ENVIRONMENTS: Mapping[str, EnvironmentEntry] = _Environments()
"""Every listed environment: name -> entry (read-only; found through ``ENTRY_POINT_GROUP``)."""


def environment_names() -> list[str]:
    """The names of every environment."""
    return list(ENVIRONMENTS)


def entry(env_name: str) -> EnvironmentEntry:
    """The table entry of an environment; ValueError naming the allowed names."""
    if env_name not in ENVIRONMENTS:
        allowed = ", ".join(environment_names()) or (
            f"none (no package declares a {ENTRY_POINT_GROUP!r} entry point; "
            "reinstall the toolkit: pip install -e .)"
        )
        raise ValueError(f"unknown environment {env_name!r}; allowed: {allowed}")
    return ENVIRONMENTS[env_name]


def load(env_name: str) -> ModuleType:
    """The environment's module (imported on first use)."""
    return importlib.import_module(entry(env_name).module)


def game_class(env_name: str) -> type:
    """The environment's game class."""
    return getattr(load(env_name), entry(env_name).game)


def presets(env_name: str) -> dict[str, tuple[dict[str, Any], str]]:
    """The environment's presets: name -> (config overrides, description)."""
    return dict(load(env_name).PRESETS)


def make(env_name: str, kind: str = "parallel", preset: str | None = None, **overrides: Any):
    """An environment by name: ``kind`` "parallel", "aec" (order-enforced) or "raw" (AEC).

    ``overrides`` are any factory options and config fields; they win over the preset's.
    """
    factories = {"parallel": "parallel_env", "aec": "env", "raw": "raw_env"}
    if kind not in factories:
        raise ValueError(f"unknown kind {kind!r}; allowed: {', '.join(map(repr, KINDS))}")
    factory = getattr(load(env_name), factories[kind])
    return factory(preset=preset, **overrides)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def gym_id(env_name: str, preset: str | None = None) -> str:
    """The Gymnasium id of an environment and preset (None or "default": the base id).

    ``gym_id("firemaker_ex_ma", "anchor_compatible")`` is
    ``"ai_safety_gridworlds/FiremakerExMa-AnchorCompatible-v0"``.
    """
    table = entry(env_name)
    if preset is not None and preset not in table.presets:
        raise ValueError(
            f"unknown preset {preset!r} of {env_name!r}; allowed: {', '.join(table.presets)}"
        )
    suffix = "" if preset in (None, "default") else f"-{_camel(preset)}"
    return f"{GYM_NAMESPACE}/{_camel(env_name)}{suffix}-v0"


def gym_ids() -> dict[str, tuple[str, str | None]]:
    """Every Gymnasium id: id -> (environment name, preset or None)."""
    ids: dict[str, tuple[str, str | None]] = {}
    for env_name, table in ENVIRONMENTS.items():
        ids[gym_id(env_name)] = (env_name, "default" if "default" in table.presets else None)
        for preset in table.presets:
            if preset != "default":
                ids[gym_id(env_name, preset)] = (env_name, preset)
    return ids


GYM_ENTRY_POINT = "ai_safety_gridworlds.wrappers.gym_env:GridworldGymEnv"


def register_gymnasium_envs() -> list[str]:
    """Register every environment and preset with Gymnasium (idempotent); returns the ids.

    Runs on ``import ai_safety_gridworlds``. The entry point is a string, so
    no environment is imported until ``gymnasium.make`` is called.
    """
    import gymnasium

    ids = gym_ids()
    for env_id, (env_name, preset) in ids.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                entry_point=GYM_ENTRY_POINT,
                kwargs={"env_name": env_name, "preset": preset},
            )
    return list(ids)
