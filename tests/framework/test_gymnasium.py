"""The Gymnasium single-agent environment: checks, other agents' policies, rewards, episode ends."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import ai_safety_gridworlds  # noqa: F401  (registers the Gymnasium ids)
from ai_safety_gridworlds import registry
from ai_safety_gridworlds.core.game import EpisodeOverError
from ai_safety_gridworlds.core.rollout import policy_info, policy_seed, run_episode
from ai_safety_gridworlds.wrappers.gym_env import GridworldGymEnv
from environments import firemaker_ex_ma as firemaker

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version"),
    pytest.mark.filterwarnings("ignore:.*Not able to test alternative render modes"),
]


@pytest.mark.parametrize("agent", ["worker_0", "supervisor_0"])
def test_check_env_passes_on_the_registered_environment(agent, capsys):
    env = gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", agent=agent)
    check_env(env.unwrapped)
    check_env(env)


@pytest.mark.parametrize(
    "config",
    [
        {"observation_direction_mode": 2, "action_direction_mode": 2, "noops": False},
        {"supervisor": False, "observation_radius": (2, 1, 3, 0), "reward_weights": [1, 2, 3]},
    ],
)
def test_check_env_passes_in_other_configurations(config):
    check_env(GridworldGymEnv("firemaker_ex_ma", agent="worker_1", **config))


@pytest.mark.parametrize("env_id", list(registry.gym_ids()))
def test_every_registered_id_makes_its_preset(env_id):
    env_name, preset = registry.gym_ids()[env_id]
    env = gymnasium.make(env_id)  # the learner defaults to the first agent
    assert env.unwrapped.agent == env.unwrapped.game.possible_agents[0]
    expected = dict(registry.presets(env_name)[preset][0]) if preset else {}
    config = env.unwrapped.game.config
    assert {key: getattr(config, key) for key in expected} == expected
    observation, info = env.reset(seed=0)
    assert env.observation_space.contains(observation)
    assert info["action_mask"].shape == (env.action_space.n,)  # cut to the space
    env.action_space.seed(0)
    action = env.action_space.sample(info["action_mask"])  # presets may mask actions
    _, reward, terminated, truncated, info = env.step(action)
    assert type(reward) is float and terminated is False and truncated is False
    assert set(info) >= {"reward_dims", "reward_vector", "safety"}


def test_default_policies_drive_the_others_in_the_same_tick_as_the_learner():
    """A learner that plays its role's default policy reproduces run_episode exactly."""
    options = dict(preset="anchor_compatible", max_cycles=80)
    others = {"supervisor_0": "firefighter"}
    env = GridworldGymEnv("firemaker_ex_ma", agent="worker_1", policies=others, **options)
    learner = env.game.make_policy("worker_1")
    observation, info = env.reset(seed=21)
    learner.reset(policy_seed(21, 1))
    truncated = False
    steps = 0
    while not truncated:
        action = learner.act(observation, policy_info(info))
        observation, _, terminated, truncated, info = env.step(action)
        assert terminated is False
        steps += 1
    assert steps == 80

    game = firemaker.FiremakerGame(**firemaker.PRESETS["anchor_compatible"][0], max_cycles=80)
    policies = {a: game.make_policy(a, others.get(a)) for a in game.possible_agents}
    expected = run_episode(game, policies, seed=21)
    for agent in game.possible_agents:
        np.testing.assert_array_equal(env.game.returns[agent], expected["returns"][agent])
    assert info["safety"] == expected["safety"]
    assert expected["safety"]["fires_extinguished/supervisor_0"] > 0


def test_other_agents_policies_never_see_the_safety_metrics():
    seen = []

    def spy(observation, info):
        seen.append(dict(info))
        return 0

    env = GridworldGymEnv(
        "firemaker_ex_ma",
        agent="worker_0",
        policies={"worker_1": spy, "supervisor_0": "environments.firemaker_ex_ma.policies:Idle"},
    )
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    assert len(seen) == 3
    assert all("safety" not in info and info["position"] == (9, 9) for info in seen)
    assert [info["tick"] for info in seen] == [0, 1, 2]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"agent": "worker_9"}, r"unknown agent 'worker_9' for the learner"),
        ({"policies": {"supervisor_1": "idle"}}, r"unknown agent 'supervisor_1'"),
        ({"policies": {"worker_0": "random"}}, r"'worker_0' is the learner"),
        ({"policies": {"supervisor_0": "always_work"}}, r"unknown supervisor policy"),
        ({"reward_weights": [1.0]}, r"one weight per dimension"),
        ({"reward_mode": "both"}, r"invalid reward_mode"),
    ],
)
def test_invalid_options_raise_clear_value_errors(kwargs, message):
    kwargs = {"agent": "worker_0", **kwargs}
    with pytest.raises(ValueError, match=message):
        GridworldGymEnv("firemaker_ex_ma", **kwargs)


def test_unknown_environment_name_raises():
    with pytest.raises(ValueError, match="unknown environment 'firemaker'"):
        GridworldGymEnv("firemaker")


def test_vector_reward_has_the_reward_space_shape_and_scalar_is_its_weighted_sum():
    weights = [0.5, 1.5, 0.01, 3.0]
    options = dict(agent="supervisor_0", preset="anchor_compatible", max_cycles=60)
    scalar = GridworldGymEnv("firemaker_ex_ma", reward_weights=weights, **options)
    vector = GridworldGymEnv("firemaker_ex_ma", reward_mode="vector", **options)
    assert vector.reward_space.shape == (4,) and vector.reward_space.dtype == np.float32
    assert vector.reward_dims == firemaker.SUPERVISOR_DIMS
    scalar.reset(seed=3)
    vector.reset(seed=3)
    scalar.action_space.seed(3)
    total = np.zeros(4)
    done = False
    while not done:
        action = scalar.action_space.sample()
        _, r_scalar, _, done, _ = scalar.step(action)
        _, r_vector, _, _, info = vector.step(action)
        assert r_vector.dtype == np.float32 and r_vector.shape == vector.reward_space.shape
        assert vector.reward_space.contains(r_vector)
        assert r_scalar == float(np.dot(r_vector, weights))
        np.testing.assert_array_equal(info["reward_vector"], r_vector)
        total += r_vector
    np.testing.assert_array_equal(total, vector.game.returns["supervisor_0"])
    assert total[1] < 0  # external fires happened


def test_step_after_the_end_raises_and_reset_replays_the_seed():
    env = GridworldGymEnv("firemaker_ex_ma", agent="worker_0", max_cycles=5)

    def play():
        observations = [env.reset(seed=6)[0]]
        rewards = []
        for action in (1, 3, 2, 4, 0):
            observation, reward, terminated, truncated, _ = env.step(action)
            observations.append(observation)
            rewards.append(reward)
        assert truncated is True and terminated is False
        return observations, rewards

    first = play()
    with pytest.raises(EpisodeOverError, match=r"call reset\(\)"):
        env.step(0)
    second = play()
    assert first[1] == second[1]
    for a, b in zip(first[0], second[0], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_bad_action_raises_and_changes_nothing():
    env = GridworldGymEnv("firemaker_ex_ma", agent="worker_0")
    env.reset(seed=0)
    state = env.game.state()
    with pytest.raises(ValueError, match="out of range"):
        env.step(7)
    with pytest.raises(RuntimeError, match=r"reset\(\) must be called"):
        GridworldGymEnv("firemaker_ex_ma").step(0)
    np.testing.assert_array_equal(env.game.state(), state)
    assert env.game.tick == 0
    env.step(np.int64(3))
    assert env.game.tick == 1


def test_rgb_and_ansi_render():
    env = gymnasium.make(
        "ai_safety_gridworlds/FiremakerExMa-NoSupervisor-v0", agent="worker_1", render_mode="ansi"
    )
    env.reset(seed=0)
    text = env.render()
    assert "worker_1 (worker) at (9, 9), facing up" in text
    image = GridworldGymEnv("firemaker_ex_ma", render_mode="rgb_array")
    image.reset(seed=0)
    assert image.render().shape == (17 * 8, 17 * 8, 3)


def test_human_render_prints_the_frame_on_reset_and_step(capsys):
    human = GridworldGymEnv("firemaker_ex_ma", render_mode="human")
    text = GridworldGymEnv("firemaker_ex_ma", render_mode="ansi")
    human.reset(seed=3)
    text.reset(seed=3)
    assert capsys.readouterr().out == text.render() + "\n"
    human.step(1)
    text.step(1)
    assert capsys.readouterr().out == text.render() + "\n"
    assert "tick 1" in text.render()


def test_noops_off_narrows_the_learners_space_and_cuts_the_mask():
    env = gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", noops=False)
    _, info = env.reset(seed=0)
    assert env.action_space == gymnasium.spaces.Discrete(4, start=1)
    assert info["action_mask"].tolist() == [1, 1, 1, 1]
    env.action_space.seed(0)
    assert {env.action_space.sample(info["action_mask"]) for _ in range(50)} == {1, 2, 3, 4}


def test_channels_last_layout_on_reset_and_step():
    chw = gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", agent="supervisor_0")
    hwc = gymnasium.make(
        "ai_safety_gridworlds/FiremakerExMa-v0", agent="supervisor_0", observation_layout="HWC"
    )
    first, _ = chw.reset(seed=1)
    second, _ = hwc.reset(seed=1)
    assert hwc.observation_space.shape == (33, 33, len(firemaker.CHANNELS))
    for _ in range(3):
        assert hwc.observation_space.contains(second)
        np.testing.assert_array_equal(second, np.moveaxis(first, 0, -1))
        first = chw.step(2)[0]
        second = hwc.step(2)[0]
