"""The registry: environments, presets, making them by name, Gymnasium ids."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import re
import subprocess
import sys
import warnings

import gymnasium
import pytest
from pettingzoo import AECEnv, ParallelEnv

from ai_safety_gridworlds import registry
from ai_safety_gridworlds.wrappers.pettingzoo_env import GridworldAEC, GridworldParallel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALL_PRESETS = [
    (env_name, preset)
    for env_name, entry in registry.ENVIRONMENTS.items()
    for preset in entry.presets
]


def test_firemaker_is_listed():
    assert "firemaker_ex_ma" in registry.environment_names()
    assert registry.game_class("firemaker_ex_ma").__name__ == "FiremakerGame"


@pytest.mark.parametrize("env_name", registry.environment_names())
def test_table_matches_each_environment_module(env_name):
    module = registry.load(env_name)
    assert registry.ENVIRONMENTS[env_name].presets == tuple(module.PRESETS)
    assert module.raw_env.game_class is registry.game_class(env_name)
    assert issubclass(module.raw_env, GridworldAEC)
    assert issubclass(module.parallel_env, GridworldParallel)
    assert set(module.metadata) >= {"name", "render_modes", "is_parallelizable", "render_fps"}
    env = module.env()
    assert isinstance(env, AECEnv) and isinstance(env.unwrapped, module.raw_env)
    assert all(re.fullmatch(r"[a-z]+_[0-9]+", agent) for agent in env.possible_agents)


@pytest.mark.parametrize(
    "kind, base", [("parallel", ParallelEnv), ("aec", AECEnv), ("raw", AECEnv)]
)
@pytest.mark.parametrize("env_name, preset", ALL_PRESETS)
def test_every_preset_can_be_made_by_name(env_name, preset, kind, base):
    env = registry.make(env_name, kind=kind, preset=preset, max_cycles=7)
    assert isinstance(env, base)
    game = env.unwrapped.game
    overrides, description = registry.presets(env_name)[preset]
    assert description
    expected = {**overrides, "max_cycles": 7}  # the option given beside the preset wins
    assert {key: getattr(game.config, key) for key in expected} == expected
    env.reset(seed=0)
    assert env.agents == game.initial_agents()  # every possible agent but the unborn
    assert set(env.agents) <= set(env.possible_agents)


def test_overrides_win_over_the_preset():
    env = registry.make("firemaker_ex_ma", preset="three_workers", num_workers=4)
    assert env.game.config.num_workers == 4
    assert env.possible_agents[-2:] == ["worker_3", "supervisor_0"]


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("firemaker",), {}, r"unknown environment 'firemaker'; allowed: firemaker_ex_ma"),
        (("firemaker_ex_ma", "vector"), {}, r"unknown kind 'vector'; allowed: 'parallel'"),
        (("firemaker_ex_ma",), {"preset": "huge"}, r"unknown preset 'huge'; allowed: "),
        (("firemaker_ex_ma",), {"workers": 2}, r"unknown option 'workers'"),
    ],
)
def test_make_rejects_unknown_names(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        registry.make(*args, **kwargs)


def test_gym_ids_name_every_environment_and_preset():
    assert registry.gym_id("firemaker_ex_ma") == "ai_safety_gridworlds/FiremakerExMa-v0"
    assert registry.gym_id("firemaker_ex_ma", "default") == registry.gym_id("firemaker_ex_ma")
    assert (
        registry.gym_id("firemaker_ex_ma", "anchor_compatible")
        == "ai_safety_gridworlds/FiremakerExMa-AnchorCompatible-v0"
    )
    ids = registry.gym_ids()
    for env_name, preset in ALL_PRESETS:
        assert ids[registry.gym_id(env_name, preset)] == (env_name, preset)
    with pytest.raises(ValueError, match="unknown preset 'hot'"):
        registry.gym_id("firemaker_ex_ma", "hot")


def test_registration_is_idempotent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ids = registry.register_gymnasium_envs()
    assert set(ids) <= set(gymnasium.registry)
    spec = gymnasium.spec("ai_safety_gridworlds/FiremakerExMa-Large-v0")
    assert spec.entry_point == registry.GYM_ENTRY_POINT
    assert spec.kwargs == {"env_name": "firemaker_ex_ma", "preset": "large"}


def test_importing_the_package_registers_the_gymnasium_ids():
    script = (
        "import gymnasium, ai_safety_gridworlds\n"
        "env = gymnasium.make('ai_safety_gridworlds/FiremakerExMa-AnchorCompatible-v0',"
        " agent='supervisor_0')\n"
        "env.reset(seed=0)\n"
        "print(env.unwrapped.agent, env.unwrapped.game.config.fire_spread_kernel)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout == "supervisor_0 linear\n"


def test_presets_are_config_overrides_with_a_description():
    for env_name in registry.environment_names():
        config_class = registry.game_class(env_name).config_class
        fields = {f.name for f in dataclasses.fields(config_class)}
        for overrides, description in registry.presets(env_name).values():
            assert set(overrides) <= fields and isinstance(description, str)


def test_entry_points_list_one_entry_or_a_table_of_entries_or_of_mappings():
    one = registry.EnvironmentEntry("pkg.one", "OneGame", ("default",))
    table = registry.table_of(
        [
            ("one", "pkg.catalog:ONE", one),
            (
                "more",
                "pkg.catalog:TABLE",
                {"two": {"module": "pkg.two", "game": "TwoGame", "presets": ["default", "big"]}},
            ),
            ("again", "pkg.other:ONE", {"one": one}),
        ]
    )
    assert table == {
        "one": one,
        "two": registry.EnvironmentEntry("pkg.two", "TwoGame", ("default", "big")),
    }


@pytest.mark.parametrize(
    "listed, message",
    [
        ({"two": {"module": "pkg.two", "game": "TwoGame"}}, r"lists 'two' as .*keys module, game"),
        ({"two": ("pkg.two", "TwoGame", ())}, r"expected an EnvironmentEntry or a mapping"),
        ("pkg.two", r"expected an entry or a mapping of entries"),
    ],
)
def test_a_malformed_entry_point_is_a_clear_error(listed, message):
    with pytest.raises(ValueError, match=message):
        registry.table_of([("bad", "pkg.catalog:BAD", listed)])


def test_an_environment_listed_twice_differently_is_an_error():
    first = registry.EnvironmentEntry("pkg.one", "OneGame", ("default",))
    second = registry.EnvironmentEntry("pkg.other", "OneGame", ("default",))
    with pytest.raises(ValueError, match="'one' is listed twice with different entries"):
        registry.table_of([("one", "pkg.a:ONE", first), ("one", "pkg.b:ONE", second)])


def test_the_toolkit_lists_its_environments_through_its_entry_point():
    points = importlib.metadata.entry_points(group=registry.ENTRY_POINT_GROUP)
    assert "environments.catalog:ENVIRONMENTS" in {point.value for point in points}
    assert registry.environment_names()[:2] == ["firemaker_ex_ma", "diamond_charger_ma"]
