"""The PettingZoo AEC and parallel environments: official checks, vector rewards, episode ends."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
    seed_test,
    state_test,
)
from pettingzoo.utils.env_logger import EnvLogger

from ai_safety_gridworlds.core.game import EpisodeOverError
from ai_safety_gridworlds.wrappers.adapter import GameAdapter
from environments import firemaker_ex_ma as firemaker

CONFIGS = {
    "default": {},
    "three_workers": {"num_workers": 3},
    "no_supervisor": {"supervisor": False},
    "rotated_follow_movement": {"observation_direction_mode": 1, "action_direction_mode": 1},
    "rotated_turning": {
        "observation_direction_mode": 2,
        "action_direction_mode": 2,
        "observation_radius": (1, 2, 3, 0),
    },
    "global_and_asymmetric_views": {
        "observation_radius": -1,
        "supervisor_observation_radius": (0, 3, 2, 1),
    },
    "none_radius_supervisor_rotating": {
        "supervisor_observation_radius": None,
        "observation_direction_mode": 1,
        "action_direction_mode": 2,
    },
}
"""The default supervisor already has a None radius; the last config also rotates it."""

# Warnings PettingZoo's checks give for differing view sizes, which are by design here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Observations are different shapes"),
    pytest.mark.filterwarnings("ignore:Agents have different observation space sizes"),
]


def configs():
    return pytest.mark.parametrize("config", list(CONFIGS.values()), ids=list(CONFIGS))


def random_actions(env, rng: np.random.Generator) -> dict[str, int]:
    return {a: int(rng.integers(env.action_space(a).n)) for a in env.agents}


# ---------------------------------------------------------------------------
# PettingZoo's own checks


@configs()
def test_api_test_passes_in_scalar_mode_across_the_episode_end(config):
    api_test(firemaker.env(max_cycles=200, **config), num_cycles=300)


def test_api_test_passes_with_noops_masked():
    api_test(firemaker.env(max_cycles=30, noops=False), num_cycles=40)


@configs()
@pytest.mark.parametrize("reward_mode", ["scalar", "vector"])
def test_parallel_api_test_passes_across_episode_ends(config, reward_mode):
    parallel_api_test(firemaker.parallel_env(reward_mode=reward_mode, **config), num_cycles=300)


@configs()
def test_seed_tests_pass(config):
    seed_test(lambda: firemaker.env(max_cycles=150, **config), num_cycles=200)
    parallel_seed_test(lambda: firemaker.parallel_env(max_cycles=150, **config), num_cycles=200)


@configs()
def test_render_test_passes(config, capsys):
    render_test(lambda render_mode=None: firemaker.env(render_mode=render_mode, **config))


@configs()
def test_state_test_passes(config):
    state_test(firemaker.env(**config), firemaker.parallel_env(**config))


def test_max_cycles_test_passes_on_the_module():
    max_cycles_test(firemaker)


# ---------------------------------------------------------------------------
# Vector rewards, scalarisation, infos


def test_vector_rewards_have_the_reward_space_shape_and_accumulate_per_round():
    env = firemaker.env(reward_mode="vector", max_cycles=25, num_workers=3)
    env.reset(seed=3)
    rng = np.random.default_rng(0)
    game = env.unwrapped.game
    since_last_step = {a: np.zeros(len(game.reward_dims(a)), np.float32) for a in env.agents}
    nonzero = 0
    for agent in env.agent_iter():
        _, reward, terminated, truncated, info = env.last()
        space = env.reward_space(agent)
        assert env.reward_space(agent) is space
        assert space.dtype == np.float32
        assert reward.dtype == np.float32 and reward.shape == space.shape
        np.testing.assert_array_equal(reward, since_last_step[agent])
        np.testing.assert_array_equal(reward, info["reward_vector"])
        np.testing.assert_array_equal(reward, game.rewards[agent].astype(np.float32))
        assert info["reward_dims"] == game.reward_dims(agent)
        assert set(info["safety"]) == set(game.safety)
        nonzero += bool(np.any(reward))
        since_last_step[agent] = np.zeros_like(since_last_step[agent])
        done = terminated or truncated
        env.step(None if done else int(rng.integers(env.action_space(agent).n)))
        for other, vector in env.rewards.items():
            assert vector.dtype == np.float32 and vector.shape == env.reward_space(other).shape
            assert env.reward_space(other).contains(vector)
            since_last_step[other] = since_last_step[other] + vector
    assert nonzero > 0
    assert env.agents == []


def test_aec_rewards_are_zero_until_the_last_agent_of_the_round_acts():
    env = firemaker.raw_env(reward_mode="vector")
    env.reset(seed=1)
    move = 3
    for agent in env.possible_agents[:-1]:
        assert env.agent_selection == agent
        env.step(move)
        assert all(not np.any(r) for r in env.rewards.values())
        assert env.unwrapped.game.tick == 0
    env.step(move)
    assert env.unwrapped.game.tick == 1
    for agent in env.possible_agents:
        assert env.rewards[agent][0] == -1.0  # every agent's ENERGY for its movement


def test_scalar_reward_is_exactly_the_weighted_sum_of_the_vector_reward():
    weights = {
        "ENERGY": 0.3,
        "WORKSHOP": 1.7,
        "EXTERNAL_FIRE": 0.11,
        "TRESPASSING": 2.5,
        "WORKSHOP_OPERATION": -0.9,
    }
    options = dict(preset="anchor_compatible", max_cycles=150)
    scalar = firemaker.parallel_env(reward_weights=weights, **options)
    vector = firemaker.parallel_env(reward_mode="vector", **options)
    game = vector.game
    agent_weights = {
        a: np.array([weights[d] for d in game.reward_dims(a)]) for a in game.possible_agents
    }
    scalar.reset(seed=11)
    vector.reset(seed=11)
    rng = np.random.default_rng(2)
    seen_fire = False
    while vector.agents:
        # Workers step onto the workshop (LEFT) and work there; the supervisor wanders.
        work = 1 if vector.game.tick == 0 else 0
        actions = {"worker_0": work, "worker_1": work, "supervisor_0": int(rng.integers(5))}
        obs_s, rew_s, _, trunc_s, info_s = scalar.step(actions)
        obs_v, rew_v, _, trunc_v, info_v = vector.step(actions)
        assert trunc_s == trunc_v
        for agent in actions:
            np.testing.assert_array_equal(obs_s[agent], obs_v[agent])
            assert type(rew_s[agent]) is float
            assert rew_s[agent] == float(np.dot(rew_v[agent], agent_weights[agent]))
            np.testing.assert_array_equal(info_s[agent]["reward_vector"], rew_v[agent])
        seen_fire |= info_v["supervisor_0"]["safety"]["external_fire_ticks"] > 0
    assert seen_fire


def test_reward_weights_per_agent_and_as_a_shared_sequence():
    env = firemaker.parallel_env(
        reward_weights={"worker_0": [2.0, 0.5], "supervisor_0": {"ENERGY": 3.0}}
    )
    np.testing.assert_array_equal(env.adapter.weights["worker_0"], [2.0, 0.5])
    np.testing.assert_array_equal(env.adapter.weights["worker_1"], [1.0, 1.0])
    np.testing.assert_array_equal(env.adapter.weights["supervisor_0"], [3.0, 1.0, 1.0, 1.0])
    env = firemaker.parallel_env(supervisor=False, reward_weights=[1.0, 2.0, 3.0])
    np.testing.assert_array_equal(env.adapter.weights["worker_1"], [1.0, 2.0, 3.0])


def test_aec_round_equals_a_parallel_tick_in_turn_order():
    options = dict(preset="anchor_compatible", randomize_agent_actions_order=False)
    aec = firemaker.raw_env(reward_mode="vector", **options)
    par = firemaker.parallel_env(reward_mode="vector", **options)
    aec.reset(seed=5)
    par.reset(seed=5)
    rng = np.random.default_rng(5)
    for _ in range(120):
        actions = random_actions(par, rng)
        _, rewards, _, _, infos = par.step(actions)
        for agent in aec.possible_agents:
            assert aec.agent_selection == agent
            aec.step(actions[agent])
        for agent in aec.possible_agents:
            np.testing.assert_array_equal(aec.observe(agent), par.game.observe(agent))
            np.testing.assert_array_equal(aec.rewards[agent], rewards[agent])
            assert aec.infos[agent]["safety"] == infos[agent]["safety"]
        np.testing.assert_array_equal(aec.state(), par.state())


# ---------------------------------------------------------------------------
# Spaces, state, options


@configs()
def test_spaces_are_cached_and_fit_the_observations_and_state(config):
    env = firemaker.parallel_env(**config)
    observations, infos = env.reset(seed=0)
    for agent in env.possible_agents:
        space = env.observation_space(agent)
        assert env.observation_space(agent) is space
        assert env.action_space(agent) is env.action_space(agent)
        assert env.observation_spaces[agent] is space
        assert env.action_spaces[agent] is env.action_space(agent)
        assert space.dtype == np.uint8 and space.shape == env.game.observation_shape(agent)
        assert space.contains(observations[agent])
        assert env.action_space(agent).n == env.game.num_actions(agent)
        assert infos[agent]["reward_dims"] == env.game.reward_dims(agent)
    state = env.state()
    assert state.shape == env.state_space.shape == (len(firemaker.CHANNELS) - 1, 17, 17)
    assert env.state_space.contains(state)


def test_games_can_declare_observation_highs_and_reward_bounds():
    class BoundedGame(firemaker.FiremakerGame):
        observation_high = (1, 1, 1, 1, 1, 1, 3, 1, 1, 1)

        def reward_bounds(self, agent):
            size = len(self.reward_dims(agent))
            return [-5.0] * size, [5.0] * size

    adapter = GameAdapter(BoundedGame, {}, {})
    high = adapter.observation_spaces["worker_0"].high
    assert high.shape == (10, 5, 5) and high[6].min() == 3 and high[0].max() == 1
    assert adapter.state_space.high[5].min() == 3 and adapter.state_space.high[4].max() == 1
    box = adapter.reward_spaces["supervisor_0"]
    assert box.low.tolist() == [-5.0] * 4 and box.high.tolist() == [5.0] * 4


def test_a_running_parallel_env_survives_pickling():
    env = firemaker.parallel_env(reward_mode="vector", preset="anchor_compatible")
    env.reset(seed=2)
    for _ in range(5):
        env.step(dict.fromkeys(env.agents, 2))
    clone = pickle.loads(pickle.dumps(env))
    assert type(clone) is firemaker.parallel_env
    for _ in range(20):
        first = env.step(dict.fromkeys(env.agents, 1))
        second = clone.step(dict.fromkeys(clone.agents, 1))
        assert_same_trace([first], [second])


def test_metadata_and_agent_names():
    meta = firemaker.metadata
    assert meta["name"] == "firemaker_ex_ma_v0"
    assert meta["render_modes"] == ["human", "ansi", "rgb_array"]
    assert meta["is_parallelizable"] is True and meta["render_fps"] > 0
    assert firemaker.raw_env.metadata is meta and firemaker.parallel_env.metadata is meta
    env = firemaker.parallel_env(num_workers=3)
    assert env.possible_agents == ["worker_0", "worker_1", "worker_2", "supervisor_0"]


def test_unknown_option_names_the_key_and_the_allowed_ones():
    with pytest.raises(
        ValueError,
        match=r"unknown option 'colour'; allowed: the options preset.*render_mode.*num_workers",
    ):
        firemaker.parallel_env(colour="red")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"render_mode": "video"}, r"invalid render_mode 'video'; allowed: None, 'human'"),
        ({"reward_mode": "lexicographic"}, r"invalid reward_mode .*'scalar', 'vector'"),
        ({"preset": "burning"}, r"unknown preset 'burning'; allowed: anchor_compatible"),
        ({"reward_weights": {"HAPPINESS": 1.0}}, r"unknown key 'HAPPINESS' in reward_weights"),
        ({"reward_weights": [1.0, 2.0]}, r"needs every agent to have the same reward dimensions"),
        ({"reward_weights": {"worker_0": [1.0]}}, r"one weight per dimension"),
        ({"num_workers": 0}, r"'num_workers'"),
        ({"log_dir": 3}, r"invalid log_dir 3"),
        ({"config": {"num_workers": 3}}, r"invalid config .*FiremakerConfig or None"),
    ],
)
def test_invalid_options_raise_clear_value_errors(options, message):
    with pytest.raises(ValueError, match=message):
        firemaker.raw_env(**options)


def test_overrides_beside_a_preset_win():
    env = firemaker.parallel_env(preset="anchor_compatible", stop_button_duration=5)
    assert env.game.config.fire_spread_kernel == "linear"
    assert env.game.config.fire_spread_probability == 0.01
    assert env.game.config.stop_button_duration == 5


def test_max_cycles_attribute_takes_effect_at_the_next_reset():
    env = firemaker.parallel_env(max_cycles=10)
    env.reset(seed=0)
    env.max_cycles = 3
    for _ in range(3):
        env.step(dict.fromkeys(env.agents, 0))
    assert env.agents == env.game.agents
    assert len(env.agents) == 3
    env.reset(seed=0)
    for _ in range(3):
        _, _, _, truncations, _ = env.step(dict.fromkeys(env.agents, 0))
    assert truncations == dict.fromkeys(env.possible_agents, True)
    assert env.agents == []
    with pytest.raises(ValueError, match="max_cycles"):
        env.max_cycles = 0


# ---------------------------------------------------------------------------
# Bad actions


@pytest.mark.parametrize(
    "bad, message",
    [(5, "out of range"), (-1, "out of range"), (True, "must be an int"), (1.0, "must be an int")],
)
def test_a_bad_action_in_a_parallel_step_raises_and_moves_nobody(bad, message):
    env = firemaker.parallel_env()
    env.reset(seed=0)
    before = env.state()
    with pytest.raises(ValueError, match=message):
        env.step({"worker_0": 3, "worker_1": bad, "supervisor_0": 1})
    np.testing.assert_array_equal(env.state(), before)
    assert env.game.tick == 0
    _, rewards, _, _, _ = env.step({"worker_0": 3, "worker_1": np.int32(4), "supervisor_0": 1})
    assert env.game.tick == 1 and rewards["supervisor_0"] == -1.0


def test_missing_or_dead_agents_actions_raise():
    env = firemaker.parallel_env()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"no action given for live agent\(s\) \['supervisor_0'\]"):
        env.step({"worker_0": 0, "worker_1": 0})
    with pytest.raises(ValueError, match="not live"):
        env.step({"worker_0": 0, "worker_1": 0, "supervisor_0": 0, "worker_7": 0})


def test_a_bad_action_in_aec_raises_and_keeps_the_turn():
    env = firemaker.env()
    env.reset(seed=0)
    env.step(np.int32(3))
    with pytest.raises(ValueError, match="out of range"):
        env.step(9)
    with pytest.raises(ValueError, match="must be an int"):
        env.step(None)
    assert env.agent_selection == "worker_1"
    env.step(0)
    env.step(0)
    assert env.unwrapped.game.tick == 1


def test_noop_is_left_out_of_the_action_space_and_rejected_when_noops_are_off():
    env = firemaker.raw_env(noops=False)
    env.reset(seed=0)
    space = env.action_space("worker_0")
    assert (space.n, space.start) == (4, 1)
    assert env.action_spaces["supervisor_0"] is env.action_space("supervisor_0") == space
    assert env.infos["worker_0"]["action_mask"].tolist() == [1, 1, 1, 1]  # actions 1..4
    assert env.unwrapped.game.agent_info("worker_0")["action_mask"].tolist() == [0, 1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"NOOP\) is not allowed"):
        env.step(0)


# ---------------------------------------------------------------------------
# Episode boundaries


def play_parallel(env, seed: int, rng_seed: int):
    observations, infos = env.reset(seed=seed)
    rng = np.random.default_rng(rng_seed)
    trace = [(observations, infos)]
    while env.agents:
        trace.append(env.step(random_actions(env, rng)))
    return trace


def assert_same_trace(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        for part_a, part_b in zip(a, b, strict=True):
            assert part_a.keys() == part_b.keys()
            for agent in part_a:
                if isinstance(part_a[agent], dict):
                    assert part_a[agent].keys() == part_b[agent].keys()
                    for key in part_a[agent]:
                        np.testing.assert_array_equal(part_a[agent][key], part_b[agent][key])
                else:
                    np.testing.assert_array_equal(part_a[agent], part_b[agent])


def test_parallel_step_after_the_end_raises_and_reset_replays_the_seed():
    env = firemaker.parallel_env(max_cycles=6, preset="anchor_compatible")
    first = play_parallel(env, seed=4, rng_seed=9)
    assert len(first) == 7
    _, _, terminations, truncations, _ = first[-1]
    assert truncations == dict.fromkeys(env.possible_agents, True)
    assert terminations == dict.fromkeys(env.possible_agents, False)
    with pytest.raises(EpisodeOverError, match=r"call reset\(\)"):
        env.step({})
    with pytest.raises(EpisodeOverError, match=r"call reset\(\)"):
        env.step(dict.fromkeys(env.possible_agents, 0))
    assert_same_trace(first, play_parallel(env, seed=4, rng_seed=9))


def test_stepping_before_reset_raises():
    with pytest.raises(RuntimeError, match=r"reset\(\) must be called"):
        firemaker.parallel_env().step({})
    with pytest.raises(RuntimeError, match=r"reset\(\) must be called"):
        firemaker.raw_env().step(0)
    with pytest.raises(RuntimeError, match=r"reset\(\) must be called before state"):
        firemaker.raw_env().state()


def play_aec(env, seed: int) -> list:
    env.reset(seed=seed)
    trace = []
    for agent in env.agent_iter():
        observation, reward, terminated, truncated, info = env.last()
        trace.append((agent, observation, reward, terminated, truncated, info["safety"]))
        env.step(None if terminated or truncated else (len(trace) * 7) % 5)
    return trace


def test_aec_dead_step_protocol_at_the_end_and_reset_replays_the_seed():
    env = firemaker.env(max_cycles=3)
    trace = play_aec(env, seed=8)
    agents = env.possible_agents
    assert [t[0] for t in trace] == agents * 4
    live, dead = trace[: 3 * len(agents)], trace[3 * len(agents) :]
    assert not any(t[3] or t[4] for t in live)
    assert all(t[4] and not t[3] for t in dead)
    assert env.agents == [] and env.rewards == {} and env.infos == {}
    assert env.unwrapped.game.tick == 3

    count = len(EnvLogger.mqueue)
    env.step(0)
    assert "step() called after all agents are terminated or truncated" in EnvLogger.mqueue[count]
    with pytest.raises(EpisodeOverError, match=r"call reset\(\)"):
        env.unwrapped.step(None)

    again = play_aec(env, seed=8)
    assert [t[0] for t in again] == [t[0] for t in trace]
    for a, b in zip(trace, again, strict=True):
        np.testing.assert_array_equal(a[1], b[1])
        assert a[2:] == b[2:]


def test_a_dead_agent_may_only_step_none():
    env = firemaker.raw_env(max_cycles=1)
    env.reset(seed=0)
    for _ in env.possible_agents:
        env.step(0)
    assert env.truncations == dict.fromkeys(env.possible_agents, True)
    assert env.agent_selection == "worker_0"
    with pytest.raises(ValueError, match="only valid action is None"):
        env.step(0)
    env.step(None)
    assert env.agents == ["worker_1", "supervisor_0"]
    assert env.agent_selection == "worker_1"


# ---------------------------------------------------------------------------
# Rendering and logging


def test_ansi_render_shows_the_board_each_view_and_reward_lines():
    env = firemaker.parallel_env(render_mode="ansi", observation_radius=1)
    env.reset(seed=0)
    env.step({"worker_0": 3, "worker_1": 0, "supervisor_0": 2})
    text = env.render()
    game = env.game
    lines = text.split("\n")
    assert lines[0] == "firemaker_ex_ma  tick 1"
    assert lines[1:18] == game.board_text()
    start = lines.index("worker_0 (worker) at (7, 9), facing up")
    assert lines[start + 1 : start + 4] == ["  " + row for row in game.observe_text("worker_0")]
    assert lines[start + 4] == "  reward: ENERGY -1, WORKSHOP 0 (weighted -1)"
    assert lines[start + 5] == "  return: ENERGY -1, WORKSHOP 0"
    assert "supervisor_0 (supervisor) at (2, 15), facing up" in lines
    assert sum(line.startswith("  reward: ") for line in lines) == 3


def test_human_render_prints_the_ansi_text_on_reset_step_and_render(capsys):
    env = firemaker.parallel_env(render_mode="human")
    text = firemaker.parallel_env(render_mode="ansi")
    env.reset(seed=0)
    text.reset(seed=0)
    assert capsys.readouterr().out == text.render() + "\n"
    actions = {agent: 1 for agent in env.agents}
    env.step(actions)
    text.step(actions)
    assert capsys.readouterr().out == text.render() + "\n"
    assert env.render() is None
    assert capsys.readouterr().out == text.render() + "\n"


def test_human_render_in_the_aec_env_prints_after_every_agents_action(capsys):
    env = firemaker.env(render_mode="human")
    text = firemaker.env(render_mode="ansi")
    env.reset(seed=0)
    text.reset(seed=0)
    assert capsys.readouterr().out == text.render() + "\n"
    for _ in range(3):  # worker_0, worker_1, then supervisor_0 ends the round and ticks
        env.step(1)
        text.step(1)
        assert capsys.readouterr().out == text.render() + "\n"
    assert text.unwrapped.game.tick == 1


def test_rgb_render_gives_each_tile_kind_and_agent_role_its_own_colour():
    env = firemaker.parallel_env(render_mode="rgb_array", num_workers=3)
    env.reset(seed=0)
    image = env.render()
    cell = 8
    assert image.dtype == np.uint8 and image.shape == (17 * cell, 17 * cell, 3)
    chars = env.game.board_chars()
    colours: dict[str, set] = {}
    for (row, col), code in np.ndenumerate(chars):
        block = image[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell]
        assert (block == block[0, 0]).all()
        colours.setdefault(chr(code), set()).add(tuple(block[0, 0]))
    assert set(colours) == {"#", " ", "-", "W", "B", "0", "1", "2", "S"}
    assert all(len(c) == 1 for c in colours.values())
    workers = colours["0"] | colours["1"] | colours["2"]
    assert len(workers) == 1
    kinds = [c for char, c in colours.items() if char not in "12"]
    assert len(set().union(*kinds)) == len(kinds)


def test_render_without_a_render_mode_warns_and_returns_none():
    env = firemaker.parallel_env()
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="render_mode"):
        assert env.render() is None


def test_log_dir_writes_one_csv_per_finished_episode(tmp_path):
    pytest.importorskip("ai_safety_gridworlds.logs")
    env = firemaker.parallel_env(max_cycles=4, log_dir=tmp_path)
    for seed in (0, 1):
        env.reset(seed=seed)
        while env.agents:
            env.step(dict.fromkeys(env.agents, 3))
    env.close()
    files = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv")
    assert len(files) == 2
    rows = (tmp_path / files[0]).read_text().strip().split("\n")
    assert len(rows) == 1 + 4
