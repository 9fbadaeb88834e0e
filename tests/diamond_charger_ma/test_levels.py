"""Diamond charger levels, the generated arena, config validation, presets and policies."""

from __future__ import annotations

import numpy as np
import pytest
from absl import flags

from ai_safety_gridworlds.core import config as config_lib
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.rollout import run_episode
from environments.diamond_charger_ma import (
    PRESETS,
    DiamondChargerConfig,
    DiamondChargerGame,
    build_map,
    maps,
)


def counts(game: DiamondChargerGame) -> tuple[int, int, int, int]:
    board = game.map
    return (
        len(game.possible_agents),
        int(board.mine.sum()),
        int(board.charger.sum()),
        int(board.altar.sum()),
    )


def test_level_0_is_15_by_15_with_4_agents_in_2_teams():
    game = DiamondChargerGame()
    game.reset(seed=0)
    assert (game.rows, game.cols) == (15, 15)
    assert counts(game) == (4, 2, 1, 1)
    assert game.layout.team_sizes == (2, 2)
    assert game.map.is_connected()
    assert game.possible_agents == ["agent_0", "agent_1", "agent_2", "agent_3"]


def test_level_1_is_31_by_31_with_12_agents_in_3_teams():
    game = DiamondChargerGame(level=1)
    game.reset(seed=0)
    assert (game.rows, game.cols) == (31, 31)
    assert counts(game) == (12, 6, 3, 3)
    assert game.layout.teams == (0,) * 4 + (1,) * 4 + (2,) * 4
    assert game.map.is_connected()


def test_level_2_arena_is_64_by_64_with_24_agents_connected_and_reproducible():
    game = DiamondChargerGame(level=2)
    game.reset(seed=11)
    assert (game.rows, game.cols) == (64, 64)
    assert counts(game) == (24, 12, 6, 6)
    assert game.layout.team_sizes == (6, 6, 6, 6)
    assert game.map.is_connected()
    first = game.board_text()
    game.reset(seed=11)
    assert game.board_text() == first
    game.reset()
    assert game.board_text() != first
    expected = maps.generate_arena(rng.episode_key(11, 0), 64, (6, 6, 6, 6), 12, 6, 6)
    assert first == expected


@pytest.mark.parametrize("key", range(40))
def test_generated_arenas_are_connected_with_the_right_counts(key):
    art = maps.generate_arena(key, 64, (6, 6, 6, 6), 12, 6, 6)
    board = maps.DiamondMap.from_art(art)
    assert board.shape == (64, 64)
    assert len(board.agent_starts) == 24
    assert (board.mine.sum(), board.charger.sum(), board.altar.sum()) == (12, 6, 6)
    assert board.wall[0].all() and board.wall[-1].all()
    assert board.wall[:, 0].all() and board.wall[:, -1].all()
    assert board.is_connected()
    assert board.passable.sum() > 0.2 * 64 * 64


def test_arena_sizes_and_small_teams():
    for size in (maps.MIN_ARENA, 32, 47, 100):
        board = maps.DiamondMap.from_art(maps.generate_arena(size, size, (3, 2), 4, 2, 2))
        assert board.shape == (size, size) and board.is_connected()
        assert len(board.agent_starts) == 5


def test_map_seed_fixes_the_arena_across_episodes():
    game = DiamondChargerGame(level=2, map_seed=11)
    game.reset(seed=1)
    first = game.board_text()
    game.reset(seed=2)
    assert game.board_text() == first
    other = DiamondChargerGame(level=2)
    other.reset(seed=11)
    assert other.board_text() == first


def test_teams_start_together_in_the_arena():
    board = build_map(DiamondChargerConfig(level=2), rng.episode_key(3, 0))
    starts = np.array(board.agent_starts)
    for team in range(4):
        cells = starts[team * 6 : (team + 1) * 6]
        assert np.ptp(cells[:, 0]) < 15 and np.ptp(cells[:, 1]) < 15


@pytest.mark.parametrize(
    "overrides, key",
    [
        (dict(level=3), "'level'"),
        (dict(colour=3), "unknown config key 'colour'"),
        (dict(num_agents=5), "num_agents 1..4"),
        (dict(num_agents=0), "'num_agents'"),
        (dict(team_sizes=(2, 1), num_agents=4), "sum to 3"),
        (dict(num_teams=5), "num_teams=5"),
        (dict(start_energy=300), "start_energy=300"),
        (dict(max_energy=0), "'max_energy'"),
        (dict(attack_energy=-1), "'attack_energy'"),
        (dict(kinship_beta_a=0.0), "'kinship_beta_a'"),
        (dict(clan_kinship=1.5), "'clan_kinship'"),
        (dict(observation_direction_mode=1), "'observation_direction_mode'"),
        (dict(map_art=("###", "#X#", "###")), "unknown map character 'X'"),
        (dict(map_art=("###", "#1#", "###")), "agent '1' but not agent '0'"),
        (
            dict(level=2, arena_size=24, arena_mines=89),
            r"= 101 do not always fit in an arena_size=24",
        ),
        (dict(mate_selection="yes"), "'mate_selection'"),
    ],
)
def test_bad_configs_raise_clear_value_errors(overrides, key):
    with pytest.raises(ValueError, match=key):
        DiamondChargerGame(**overrides)


def test_command_line_flags_reach_every_kind_of_field():
    flag_values = flags.FlagValues()
    config_lib.define_flags(DiamondChargerConfig, flag_values)
    flag_values(
        [
            "prog",
            "--map_art=#####/#0 1#/#####",
            "--team_sizes=1,1",
            "--kinship=matrix",
            "--kinship_matrix=1,0.25;0.25,1",
            "--observation_radius=2",
            "--mate_selection",
        ]
    )
    overrides = config_lib.overrides_from_flags(DiamondChargerConfig, flag_values)
    config = config_lib.make_config(DiamondChargerConfig, overrides=overrides)
    assert config.map_art == ("#####", "#0 1#", "#####")
    assert config.team_sizes == (1, 1)
    assert config.kinship_matrix == ((1.0, 0.25), (0.25, 1.0))
    assert config.observation_radius == 2 and config.mate_selection is True
    flag_values(["prog", "--kinship_matrix=1,x;0,1"])
    with pytest.raises(ValueError, match="'kinship_matrix'"):
        config_lib.make_config(
            DiamondChargerConfig,
            overrides=config_lib.overrides_from_flags(DiamondChargerConfig, flag_values),
        )


def test_fewer_agents_leave_the_others_off_the_map():
    game = DiamondChargerGame(num_agents=3)
    game.reset(seed=0)
    assert game.possible_agents == ["agent_0", "agent_1", "agent_2"]
    assert "3" not in "".join(game.board_text())
    assert game.layout.team_sizes == (2, 1)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_runs(preset):
    overrides, doc = PRESETS[preset]
    assert doc
    game = DiamondChargerGame(**overrides, max_cycles=3)
    game.reset(seed=0)
    while not game.episode_over:
        game.step({a: 3 for a in game.agents})
    assert game.tick == 3


# ---------------------------------------------------------------------------
# Scripted policies


def returns(policy: str, seed: int = 1, ticks: int = 300, **config):
    game = DiamondChargerGame(max_cycles=ticks, **config)
    policies = {a: game.make_policy(a, policy) for a in game.possible_agents}
    return run_episode(game, policies, seed=seed)


def total(result, metric: str) -> int:
    return sum(v for k, v in result["safety"].items() if k.startswith(metric + "/"))


def test_greedy_miners_make_hearts_and_never_fight_or_give():
    result = returns("greedy_miner")
    assert total(result, "hearts") >= 8
    assert total(result, "attacks") == 0
    assert total(result, "energy_given") == 0
    assert sum(r[0] for r in result["returns"].values()) == total(result, "hearts")


def test_raiders_attack_strangers():
    result = returns("raider")
    assert total(result, "attacks_on_strangers") > 0
    # Kin stepping into the line of fire in the same tick are hit by accident, rarely.
    assert total(result, "attacks_on_kin") * 10 <= total(result, "attacks")
    assert total(result, "freezes") > 0


def test_sharers_give_energy_to_kin():
    result = returns("sharer", start_energy=80)
    assert total(result, "energy_given_to_kin") > 0
    assert total(result, "energy_given_to_strangers") == 0
    assert total(result, "attacks") == 0


def test_random_policy_and_unknown_policy_names():
    game = DiamondChargerGame(max_cycles=20)
    result = run_episode(
        game, {a: game.make_policy(a, "random") for a in game.possible_agents}, seed=0
    )
    assert result["ticks"] == 20
    with pytest.raises(ValueError, match="greedy_miner"):
        game.make_policy("agent_0", "hoarder")


def test_policies_run_on_the_arena_with_a_fixed_view():
    result = returns("raider", ticks=30, level=2, observation_direction_mode=0)
    assert result["ticks"] == 30


@pytest.mark.parametrize("mate_selection", [False, True])
def test_every_action_has_a_key_in_the_ui(mate_selection):
    from ai_safety_gridworlds.ui.keys import KeyMap

    game = DiamondChargerGame(mate_selection=mate_selection)
    names = game.action_names("agent_0")
    keys = KeyMap(names, game.key_bindings).keys_of(names)
    assert [name for _, name in keys] == names
