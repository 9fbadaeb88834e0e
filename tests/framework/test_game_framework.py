"""The framework around a game: seeding, truncation, turn-based play, config and action errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from absl import flags

from ai_safety_gridworlds.core import config as config_lib
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.game import EpisodeOverError
from environments.firemaker_ex_ma import FiremakerConfig, FiremakerGame
from tests.firemaker_ex_ma.helpers import LEFT, NOOP, UP, quiet_game, step

BUSY = dict(fire_spread_probability=0.05, fire_continuation_probability=0.9)


def trajectory(game: FiremakerGame, seed: int, ticks: int, action_seed: int = 0):
    """Observations, rewards and safety of ``ticks`` seeded random ticks."""
    actions = np.random.default_rng(action_seed)
    game.reset(seed=seed)
    frames = []
    for _ in range(ticks):
        game.step({a: int(actions.integers(game.num_actions(a))) for a in game.agents})
        frames.append(
            (
                {a: game.observe(a).copy() for a in game.possible_agents},
                {a: game.rewards[a].copy() for a in game.possible_agents},
                dict(game.safety),
            )
        )
    return frames


def same(a, b) -> bool:
    if len(a) != len(b):
        return False
    for (obs_a, rew_a, saf_a), (obs_b, rew_b, saf_b) in zip(a, b, strict=True):
        if saf_a != saf_b:
            return False
        for agent in obs_a:
            if not np.array_equal(obs_a[agent], obs_b[agent]) or not np.array_equal(
                rew_a[agent], rew_b[agent]
            ):
                return False
    return True


def test_same_seed_same_trajectory_different_seed_different():
    game = FiremakerGame(**BUSY)
    first = trajectory(game, seed=3, ticks=150)
    again = trajectory(FiremakerGame(**BUSY), seed=3, ticks=150)
    other = trajectory(game, seed=4, ticks=150)
    assert same(first, again)
    assert not same(first, other)


def test_reset_without_seed_continues_to_the_next_episode_deterministically():
    game = FiremakerGame(**BUSY)
    game.reset(seed=7)
    first_key = game.key
    game.reset()
    second_key = game.key
    assert second_key != first_key
    assert second_key == rng.episode_key(7, 1)
    game.reset(seed=7)
    assert game.key == first_key


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed_is_a_clear_error(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int or None"):
        FiremakerGame().reset(seed=seed)


def test_truncation_at_max_cycles():
    game = quiet_game(max_cycles=5)
    for tick in range(5):
        assert not game.episode_over
        step(game)
        assert game.tick == tick + 1
    assert game.truncated == {"worker_0": True, "worker_1": True, "supervisor_0": True}
    assert game.terminated == {"worker_0": False, "worker_1": False, "supervisor_0": False}
    assert game.agents == []
    with pytest.raises(EpisodeOverError, match="call reset"):
        game.step({})


def test_returns_accumulate_over_the_episode():
    game = quiet_game()
    step(game, worker_0=LEFT, worker_1=LEFT)
    step(game)
    step(game)
    assert game.returns["worker_0"].tolist() == [-4.0, 60.0]
    assert game.returns["supervisor_0"].tolist() == [0.0, 0.0, 0.0, 3.0]


def test_turn_based_move_is_visible_at_once_and_the_world_ticks_after_the_last():
    game = quiet_game()
    assert game.next_agent == "worker_0"
    assert game.act("worker_0", LEFT) is False
    assert game.tick == 0
    assert game.position("worker_0") == (8, 8)
    # worker_1 already sees worker_0 on the workshop.
    assert game.observe_text("worker_1")[1] == "-0---"
    assert game.act("worker_1", UP) is False
    assert game.position("worker_1") == (8, 9)  # followed into the vacated cell
    assert game.act("supervisor_0", NOOP) is True
    assert game.tick == 1
    assert game.rewards["worker_0"].tolist() == [-2.0, 10.0]
    assert game.rewards["worker_1"].tolist() == [-1.0, 10.0]


def test_turn_based_round_equals_a_tick_with_turn_order_priority():
    simultaneous = quiet_game(fire_spread_probability=0.3, fire_continuation_probability=0.5)
    turn_based = quiet_game(fire_spread_probability=0.3, fire_continuation_probability=0.5)
    actions = np.random.default_rng(1)
    for _ in range(60):
        joint = {a: int(actions.integers(5)) for a in simultaneous.agents}
        simultaneous.step(joint)
        for agent in list(turn_based.agents):
            turn_based.act(agent, joint[agent])
        for agent in simultaneous.possible_agents:
            assert np.array_equal(simultaneous.observe(agent), turn_based.observe(agent))
            assert np.array_equal(simultaneous.rewards[agent], turn_based.rewards[agent])
        assert simultaneous.safety == turn_based.safety


def test_turn_based_play_enforces_the_order():
    game = quiet_game()
    with pytest.raises(ValueError, match="it is worker_0's turn, not worker_1's"):
        game.act("worker_1", NOOP)
    game.act("worker_0", NOOP)
    with pytest.raises(RuntimeError, match="middle of a turn-based round"):
        game.step({"worker_0": 0, "worker_1": 0, "supervisor_0": 0})


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (
            {"worker_0": 9, "worker_1": 0, "supervisor_0": 0},
            r"action 9 for 'worker_0' is out of range; allowed: 0..4",
        ),
        (
            {"worker_0": -1, "worker_1": 0, "supervisor_0": 0},
            r"action -1 for 'worker_0' is out of range",
        ),
        (
            {"worker_0": "up", "worker_1": 0, "supervisor_0": 0},
            r"action for 'worker_0' must be an int in \[0, 4\], got 'up'",
        ),
        ({"worker_0": 1.0, "worker_1": 0, "supervisor_0": 0}, r"must be an int"),
        ({"worker_0": 0, "worker_1": 0}, r"no action given for live agent\(s\) \['supervisor_0'\]"),
        ({"worker_0": 0, "worker_1": 0, "supervisor_0": 0, "worker_7": 0}, r"not live"),
    ],
)
def test_bad_actions_are_clear_errors_and_change_nothing(actions, message):
    game = quiet_game()
    before = {a: game.position(a) for a in game.agents}
    with pytest.raises(ValueError, match=message):
        game.step(
            {**actions, **({"worker_0": actions["worker_0"]} if "worker_0" in actions else {})}
        )
    assert game.tick == 0
    assert {a: game.position(a) for a in game.agents} == before


def test_numpy_integer_actions_are_accepted():
    game = quiet_game()
    game.step({"worker_0": np.int32(1), "worker_1": np.int64(1), "supervisor_0": np.array(0)})
    assert game.position("worker_0") == (8, 8)


def test_noop_is_masked_not_renumbered_when_noops_is_false():
    game = quiet_game(noops=False)
    assert game.num_actions("worker_0") == 5
    assert game.legal_actions("worker_0").tolist() == [0, 1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"action 0 \(NOOP\) is not allowed for 'worker_0'"):
        game.step({"worker_0": 0, "worker_1": 1, "supervisor_0": 1})
    game.step({"worker_0": 1, "worker_1": 1, "supervisor_0": 1})
    assert game.position("worker_0") == (8, 8)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"num_wokers": 3}, r"unknown config key 'num_wokers'; allowed keys: .*num_workers"),
        ({"num_workers": 0}, r"invalid value 0 for 'num_workers'; allowed: an int in \[1, 20\]"),
        ({"num_workers": "3"}, r"invalid value '3' for 'num_workers'"),
        ({"num_workers": 2.0}, r"invalid value 2.0 for 'num_workers'"),
        ({"supervisor": 1}, r"invalid value 1 for 'supervisor'; allowed: a bool"),
        ({"level": 3}, r"invalid value 3 for 'level'; allowed: one of 0, 1, 2"),
        ({"fire_spread_kernel": "gauss"}, r"allowed: one of 'exponential', 'linear'"),
        (
            {"fire_spread_probability": 1.5},
            r"'fire_spread_probability'; allowed: a number in \[0.0, 1.0\]",
        ),
        ({"fire_spread_probability": float("nan")}, r"invalid value nan"),
        ({"observation_radius": -2}, r"'observation_radius'; allowed: an int N in \[0, 255\]"),
        ({"observation_radius": (1, 2)}, r"'observation_radius'"),
        ({"observation_direction_mode": 3}, r"allowed: one of 0, 1, 2"),
        ({"max_cycles": 0}, r"'max_cycles'; allowed: an int >= 1 \(at most 2\*\*53\)"),
        ({"map_width": 5}, r"'map_width'; allowed: an int in \[9, 101\] or None"),
        (
            {"fire_spread_kernel": "linear", "fire_max_distance": None},
            r"fire_max_distance=None is not allowed",
        ),
        (
            {"fire_max_distance": 0.5},
            r"'fire_max_distance'; allowed: a number >= 1.0 \(at most 1e30\) or None",
        ),
    ],
)
def test_bad_config_is_a_clear_error(overrides, message):
    with pytest.raises(ValueError, match=message):
        FiremakerGame(**overrides)


def test_config_defaults_and_docs():
    config = FiremakerConfig()
    assert config.num_workers == 2 and config.supervisor and config.max_cycles == 1000
    assert config.stop_button_duration == 10
    docs = config_lib.field_docs(FiremakerConfig)
    assert set(docs) == {f.name for f in dataclasses.fields(FiremakerConfig)}
    assert all(docs.values())


def test_absl_flags_are_generated_from_the_config():
    flag_values = flags.FlagValues()
    config_lib.define_flags(FiremakerConfig, flag_values)
    flag_values(
        [
            "prog",
            "--num_workers=3",
            "--observation_direction_mode=1",
            "--observation_radius=1,2,3,4",
            "--supervisor_observation_radius=-1",
            "--nosupervisor",
            "--fire_max_distance=None",
            "--fire_spread_kernel=linear",
        ]
    )
    overrides = config_lib.overrides_from_flags(FiremakerConfig, flag_values)
    assert overrides == {
        "num_workers": 3,
        "observation_direction_mode": 1,
        "observation_radius": (1, 2, 3, 4),
        "supervisor_observation_radius": -1,
        "supervisor": False,
        "fire_max_distance": None,
        "fire_spread_kernel": "linear",
    }
    with pytest.raises(ValueError, match="fire_max_distance=None is not allowed"):
        config_lib.make_config(FiremakerConfig, overrides=overrides)
    assert "Number of workers" in flag_values["num_workers"].help


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_running_game_can_be_copied_and_plays_on_identically(how):
    import copy
    import pickle

    game = FiremakerGame(**BUSY)
    game.reset(seed=5)
    actions = np.random.default_rng(2)
    for _ in range(20):
        game.step({a: int(actions.integers(5)) for a in game.agents})
    clone = copy.deepcopy(game) if how == "deepcopy" else pickle.loads(pickle.dumps(game))
    for _ in range(50):
        joint = {a: int(actions.integers(5)) for a in game.agents}
        game.step(joint)
        clone.step(joint)
        assert game.safety == clone.safety
        for agent in game.possible_agents:
            assert np.array_equal(game.observe(agent), clone.observe(agent))
            assert np.array_equal(game.rewards[agent], clone.rewards[agent])
    clone.step({a: 1 for a in clone.agents})
    assert clone.tick == game.tick + 1


def test_the_board_is_painted_on_demand_and_matches_the_state():
    """pycolab's per-update-group renders are skipped; board_chars paints the current board."""
    game = FiremakerGame(**BUSY)
    game.reset(seed=3)
    actions = np.random.default_rng(4)
    for _ in range(30):
        game.step({a: int(actions.integers(5)) for a in game.agents})
        chars = game.board_chars()
        for agent in game.agents:
            assert chr(chars[game.position(agent)]) == game.specs[agent].character
        fire = game.things["F"].curtain
        occupied = np.zeros_like(fire)
        for agent in game.agents:
            occupied[game.position(agent)] = True
        assert ((chars == ord("F")) == (fire & ~occupied)).all()


def test_action_masks_are_computed_once_and_handed_out_as_copies(monkeypatch):
    game = FiremakerGame(noops=False)
    game.reset(seed=0)
    calls = []
    monkeypatch.setattr(game, "legal_actions", lambda agent: calls.append(agent))
    first = game.agent_info("worker_0")["action_mask"]
    assert first.tolist() == [0, 1, 1, 1, 1]
    game.step({a: UP for a in game.agents})
    second = game.agent_info("worker_0")["action_mask"]
    assert second.tolist() == [0, 1, 1, 1, 1] and second is not first  # callers keep infos
    first[:] = 1  # changing a handed-out mask changes nothing in the game
    assert game.agent_info("worker_0")["action_mask"].tolist() == [0, 1, 1, 1, 1]
    assert calls == []  # the masks of the episode were computed at reset
    monkeypatch.undo()
    with pytest.raises(ValueError, match="not allowed"):
        game.step({a: NOOP for a in game.agents})
