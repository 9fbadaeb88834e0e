"""The run matrix of the safety benchmark: environments x presets x policies x seeds.

A :class:`Cell` is one environment, preset (plus config overrides) and
policy assignment; an :class:`EpisodeTask` is one episode of one cell. Every
episode is independent of the others (its own seed, a fresh
``game.reset(seed=...)``), so episodes can run in any order on any worker and
give the same numbers.

Seeds: seed ``i`` of a run is ``base + i`` (``--seed`` is the base, ``--seeds``
the count). Episode ``j`` of seed ``s`` is played from
``reset(seed=episode_seed(s, j))``: episode 0 uses ``s`` itself, so a
one-episode run replays as ``reset(seed=s)``; later episodes use a 63-bit hash
of ``(s, j)``. Each policy is reset with ``rollout.policy_seed(episode seed,
agent index)``.

Policy specs, per cell: ``default`` (every role's default), ``random`` (every role), a scripted policy name (the
roles that have it; others their default), ``module:callable`` (every role),
or ``role=name,role=name`` where a key is a role or an agent name and a name
is a scripted policy of that role, ``random`` or ``module:callable``. Roles
not named follow the environment's default policy. A scripted policy's
settings follow its name: ``agent=raider(max_kinship=0.5)``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.game import MultiAgentGame
from ai_safety_gridworlds.core.options import preset_overrides, resolve
from ai_safety_gridworlds.policies import (
    RandomPolicy,
    check_parameters,
    load_callable,
    split_policy_spec,
)

WORLD = "world"
"""The ``agent`` of rows that belong to the whole episode (the hidden safety metrics)."""

DEFAULT_POLICY_SETS: dict[str, tuple[str, ...]] = {
    "firemaker_ex_ma": (
        "worker=always_work,supervisor=idle",
        "worker=always_work,supervisor=firefighter",
        "worker=always_work,supervisor=stop_button",
        "worker=patrol,supervisor=idle",
        "worker=obstruct,supervisor=stop_button",
        "random",
    ),
    "firemaker_ex_ma/seeking": (
        "worker=always_work",
        "worker=patrol",
        "random",
    ),
    "firemaker_ex_ma/corrigibility": (
        "worker=always_work,supervisor=idle",
        "worker=always_work,supervisor=stop_button",
        "worker=always_work,supervisor=searcher",
        "worker=obstruct,supervisor=stop_button",
        "worker=obstruct,supervisor=searcher",
        "random",
    ),
}
"""Policy sets run when no ``--policy`` is given, by environment or ``environment/preset``;
other environments get :func:`generic_policy_set`."""


@dataclasses.dataclass(frozen=True)
class EnvEntry:
    """A benchmarkable environment: its game class and named presets."""

    name: str
    game_class: type[MultiAgentGame]
    presets: Mapping[str, Mapping[str, Any]]

    def make_game(self, overrides: Mapping[str, Any]) -> MultiAgentGame:
        """A game of this environment with config overrides."""
        return self.game_class(**dict(overrides))

    def check_options(self, preset: str, overrides: Mapping[str, Any]) -> Any:
        """The config of ``--preset`` and ``--override``s, checked as on every path (an unknown
        key, or an option of another path, is a ValueError saying so); see
        :mod:`ai_safety_gridworlds.core.options`."""
        if "preset" in overrides:
            raise ValueError("--override cannot set preset; use --preset")
        given = {"preset": preset, **overrides}
        return resolve(self.game_class, self.presets, "benchmark", given, env_name=self.name).config


def _from_registry(name: str) -> EnvEntry | None:
    """The environment from ``ai_safety_gridworlds.registry``, when that module lists it."""
    try:
        registry = importlib.import_module("ai_safety_gridworlds.registry")
    except ImportError:
        return None
    table = getattr(registry, "ENVIRONMENTS", {})
    if name not in table or not hasattr(registry, "game_class"):
        return None
    table = registry.presets(name)
    presets = {key: preset_overrides(name, table, key) for key in table}
    presets.setdefault("default", {})
    return EnvEntry(name, registry.game_class(name), presets)


def registered_names() -> list[str]:
    """The environments the registry lists (empty without a registry)."""
    try:
        registry = importlib.import_module("ai_safety_gridworlds.registry")
    except ImportError:
        return []
    return list(getattr(registry, "ENVIRONMENTS", {}))


def _defined_in(cls: type, module_name: str) -> bool:
    """Whether ``cls`` is defined in the module or, for a package, in one of its modules."""
    return cls.__module__ == module_name or cls.__module__.startswith(module_name + ".")


def resolve_env(name: str) -> EnvEntry:
    """An environment by name: from ``ai_safety_gridworlds.registry``, else ``environments.<name>``.

    The module must define one :class:`MultiAgentGame` subclass and may define
    ``PRESETS`` (name -> overrides or (overrides, doc)); "default" is always
    available.
    """
    entry = _from_registry(name)
    if entry is not None:
        return entry
    try:
        module = importlib.import_module(f"environments.{name}")
    except ModuleNotFoundError as error:
        if error.name not in (f"environments.{name}", "environments"):
            raise
        raise ValueError(f"unknown environment {name!r}: no module environments.{name}") from None
    games = [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, MultiAgentGame) and _defined_in(obj, module.__name__)
    ]
    if len(games) != 1:
        raise ValueError(f"environments.{name} must define exactly one MultiAgentGame subclass")
    table = getattr(module, "PRESETS", {})
    presets = {key: preset_overrides(name, table, key) for key in table}
    presets.setdefault("default", {})
    return EnvEntry(name, games[0], presets)


# ---------------------------------------------------------------------------
# Policies


@dataclasses.dataclass(frozen=True)
class PolicyAssignment:
    """Which policy drives which agent: per role, plus per-agent exceptions."""

    roles: tuple[tuple[str, str], ...]
    agents: tuple[tuple[str, str], ...] = ()

    def policy_for(self, agent: str, role: str) -> str:
        """The policy spec of one agent."""
        return dict(self.agents).get(agent) or dict(self.roles)[role]

    @property
    def label(self) -> str:
        """Canonical name, e.g. ``worker=always_work,supervisor=idle``."""
        return ",".join(f"{k}={v}" for k, v in (*self.roles, *self.agents))

    @property
    def short_label(self) -> str:
        """Compact name for tables: the roles' policies joined by ``/``."""
        text = "/".join(v for _, v in self.roles)
        return " ".join([text, *(f"{k}={v}" for k, v in self.agents)])


def _roles(game: MultiAgentGame) -> list[str]:
    roles: list[str] = []
    for spec in game.specs.values():
        if spec.role not in roles:
            roles.append(spec.role)
    return roles


def _check_policy(game: MultiAgentGame, role: str, policy: str) -> None:
    if ":" in policy:
        load_callable(policy)
        return
    name, params = split_policy_spec(policy)
    allowed = {"random": RandomPolicy, **game.scripted_policies.get(role, {})}
    if name not in allowed:
        raise ValueError(
            f"unknown {role} policy {name!r}; allowed: "
            f"{sorted(allowed)} (with settings 'name(key=value, ...)') or 'module:callable'"
        )
    check_parameters(allowed[name], params)


def _split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses (a policy's settings keep theirs)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def named_policies(text: str, game: MultiAgentGame) -> tuple[dict[str, str], dict[str, str]]:
    """The roles and agents a policy spec names, with their policies (checked).

    A role the environment knows but this configuration lacks (the supervisor of a preset
    without one) is ignored.
    """
    text = text.strip()
    roles = _roles(game)
    chosen: dict[str, str] = {}
    per_agent: dict[str, str] = {}
    if text in ("", "default"):
        pass
    elif "=" not in text.split("(")[0]:
        name = split_policy_spec(text)[0] if ":" not in text else text
        if name == "random" or ":" in text:
            chosen = dict.fromkeys(roles, text)
        else:
            chosen = {r: text for r in roles if name in game.scripted_policies.get(r, {})}
            if not chosen:
                known = sorted({p for d in game.scripted_policies.values() for p in d})
                raise ValueError(
                    f"unknown policy {text!r}; allowed: {known}, 'random', 'module:callable' "
                    "or role=policy,role=policy"
                )
    else:
        all_roles = set(type(game).scripted_policies) | set(roles)
        for part in _split_top_level(text):
            key, sep, policy = (s.strip() for s in part.partition("="))
            if not sep or not key or not policy:
                raise ValueError(f"policy spec {text!r}: {part!r} is not of the form key=policy")
            if key in game.specs:
                per_agent[key] = policy
            elif key in roles:
                chosen[key] = policy
            elif key not in all_roles:
                raise ValueError(
                    f"policy spec {text!r}: unknown role or agent {key!r}; "
                    f"roles: {roles}, agents: {game.possible_agents}"
                )
    for role, policy in chosen.items():
        _check_policy(game, role, policy)
    for agent, policy in per_agent.items():
        _check_policy(game, game.specs[agent].role, policy)
    return chosen, per_agent


def parse_policy(text: str, game: MultiAgentGame) -> PolicyAssignment:
    """A policy spec (see the module docstring) for the agents of ``game``."""
    chosen, per_agent = named_policies(text, game)
    roles = _roles(game)
    for role in roles:
        if role not in chosen:
            chosen[role] = game.default_policies.get(role, "random")
            _check_policy(game, role, chosen[role])
    return PolicyAssignment(
        tuple((r, chosen[r]) for r in roles),
        tuple((a, per_agent[a]) for a in game.possible_agents if a in per_agent),
    )


def generic_policy_set(game: MultiAgentGame) -> list[str]:
    """Every role's default; each scripted policy with the other roles at default; random."""
    specs = ["default"]
    for role in _roles(game):
        default = game.default_policies.get(role, "random")
        specs += [
            f"{role}={name}" for name in game.scripted_policies.get(role, {}) if name != default
        ]
    return [*specs, "random"]


def default_policy_specs(env: str, game: MultiAgentGame, preset: str = "default") -> list[str]:
    """The policy specs run when none are given: the preset's set, the environment's, or
    :func:`generic_policy_set`."""
    specs = DEFAULT_POLICY_SETS.get(f"{env}/{preset}") or DEFAULT_POLICY_SETS.get(env)
    return list(specs or generic_policy_set(game))


# ---------------------------------------------------------------------------
# Cells, tasks and seeds


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell of the matrix: environment, preset, config overrides and policies."""

    env: str
    preset: str
    overrides: tuple[tuple[str, Any], ...]
    policy: PolicyAssignment
    baselines: tuple[tuple[str, str], ...] = ()
    """(``--baseline`` spec, policy label) of the cells of this block it is compared with,
    seed by seed (see :mod:`.paired`)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.env, self.preset, self.policy.label)


@dataclasses.dataclass(frozen=True)
class EpisodeTask:
    """One episode of one cell: what a worker needs to play it."""

    cell_index: int
    cell: Cell
    seed: int
    episode: int

    @property
    def episode_seed(self) -> int:
        return episode_seed(self.seed, self.episode)


def episode_seed(seed: int, episode: int) -> int:
    """The ``reset`` seed of episode ``episode`` of seed ``seed`` (``seed`` itself for 0)."""
    if episode == 0:
        return seed
    return rng.mix64(rng.mix64(seed ^ 0xA0761D6478BD642F) + episode * rng.GAMMA) >> 1


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One block of a sweep: environment, presets, policy specs and overrides."""

    env: str
    presets: tuple[str, ...] = ("default",)
    policies: tuple[str, ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()


def preset_label(preset: str, overrides: Sequence[tuple[str, Any]]) -> str:
    """The ``preset`` column: the preset's name, with a run block's overrides appended."""
    if not overrides:
        return preset
    return preset + "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in overrides) + "]"


def build_cells(runs: Sequence[RunSpec], max_cycles: int | None = None) -> list[Cell]:
    """The cells of a sweep, in order; checks every env, preset and policy up front."""
    cells: list[Cell] = []
    seen: set[tuple[str, str, str]] = set()
    for run in runs:
        entry = resolve_env(run.env)
        presets = list(entry.presets) if run.presets == ("all",) else list(run.presets)
        for preset in presets:
            if preset not in entry.presets:
                raise ValueError(
                    f"unknown preset {preset!r} of {run.env}; allowed: {sorted(entry.presets)}"
                )
            given = dict(run.overrides)
            if max_cycles is not None:
                given["max_cycles"] = max_cycles
            entry.check_options(preset, given)
            overrides = {**entry.presets[preset], **given}
            game = entry.make_game(overrides)
            specs = run.policies or tuple(default_policy_specs(run.env, game, preset))
            for spec in specs:
                cell = Cell(
                    run.env,
                    preset_label(preset, run.overrides),
                    tuple(sorted(overrides.items())),
                    parse_policy(spec, game),
                )
                if cell.key not in seen:
                    seen.add(cell.key)
                    cells.append(cell)
    return cells


def build_tasks(
    cells: Sequence[Cell], seeds: int, base_seed: int, episodes: int
) -> list[EpisodeTask]:
    """Every episode of the matrix, seed by seed (so a cut-short run covers every cell)."""
    if seeds < 1 or episodes < 1:
        raise ValueError(f"--seeds and --episodes must be >= 1, got {seeds} and {episodes}")
    if base_seed < 0:
        raise ValueError(f"--seed must be >= 0, got {base_seed}")
    return [
        EpisodeTask(index, cell, base_seed + i, j)
        for i in range(seeds)
        for j in range(episodes)
        for index, cell in enumerate(cells)
    ]


# ---------------------------------------------------------------------------
# Sweep config files

SWEEP_KEYS = {"description", "seeds", "seed", "episodes", "max_cycles", "runs"}
RUN_KEYS = {"env", "presets", "policies", "overrides"}


def load_sweep(path: str | os.PathLike) -> dict[str, Any]:
    """Read a sweep config (JSON): run settings and a list of ``runs`` blocks.

    ``{"seeds": 10, "seed": 0, "episodes": 1, "max_cycles": null,
    "runs": [{"env": "firemaker_ex_ma", "presets": ["default"],
    "policies": ["random", ...], "overrides": {...}}]}``; a run block
    without ``policies`` uses the environment's default set.
    """
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a sweep config is a JSON object")
    unknown = set(data) - SWEEP_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(SWEEP_KEYS)}")
    runs = []
    for block in data.get("runs", []):
        bad = set(block) - RUN_KEYS
        if bad or "env" not in block:
            raise ValueError(
                f"{path}: a run block needs 'env' and may have {sorted(RUN_KEYS)}; got {sorted(block)}"
            )
        runs.append(
            RunSpec(
                block["env"],
                tuple(block.get("presets", ("default",))),
                tuple(block.get("policies", ())),
                tuple(sorted(block.get("overrides", {}).items())),
            )
        )
    if not runs:
        raise ValueError(f"{path}: no runs")
    settings = {k: data[k] for k in ("seeds", "seed", "episodes", "max_cycles") if k in data}
    return {"runs": runs, **settings}
