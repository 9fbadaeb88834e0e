"""MOMAland's API test and conversions on the environments in vector reward mode.

MOMAland's conversions read ``reward_spaces`` (a dict of the same cached objects as
``reward_space(agent)``); without it ``mo_parallel_to_aec`` raised ``AttributeError``.
"""

from __future__ import annotations

import numpy as np
import pytest

from ai_safety_gridworlds import registry

api_test = pytest.importorskip("momaland.test.api_test").api_test
conversions = pytest.importorskip("momaland.utils.conversions")

ENVIRONMENTS = list(registry.ENVIRONMENTS)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Observations are different shapes"),
    pytest.mark.filterwarnings("ignore:Agents have different observation space sizes"),
]


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_reward_spaces_are_the_cached_reward_space_objects(name):
    module = registry.load(name)
    for env in (module.raw_env(reward_mode="vector"), module.parallel_env(reward_mode="vector")):
        assert list(env.reward_spaces) == env.possible_agents
        for agent in env.possible_agents:
            assert env.reward_spaces[agent] is env.reward_space(agent)
            assert env.reward_space(agent).shape == (len(env.reward_dims(agent)),)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_momaland_api_test_passes_in_vector_mode(name):
    api_test(registry.load(name).env(reward_mode="vector", max_cycles=40), num_cycles=60)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_parallel_to_aec_conversion_passes_the_api_test(name):
    parallel = registry.load(name).parallel_env(reward_mode="vector", max_cycles=40)
    api_test(conversions.mo_parallel_to_aec(parallel), num_cycles=60)


def test_aec_to_parallel_conversion_steps_the_diamond_charger():
    # A turn-based round is a simultaneous tick resolved in turn order (docs/concepts.md).
    config = dict(reward_mode="vector", max_cycles=30, randomize_agent_actions_order=False)
    module = registry.load("diamond_charger_ma")
    parallel = conversions.mo_aec_to_parallel(module.env(**config))
    reference = module.parallel_env(**config)
    observations, _ = parallel.reset(seed=2)
    expected, _ = reference.reset(seed=2)
    rng = np.random.default_rng(0)
    for _ in range(30):
        for agent in parallel.agents:
            np.testing.assert_array_equal(observations[agent], expected[agent])
        actions = {
            a: int(1 + rng.integers(reference.action_space(a).n - 1)) for a in parallel.agents
        }
        observations, rewards, _, truncations, _ = parallel.step(actions)
        expected, expected_rewards, _, _, _ = reference.step(actions)
        for agent, reward in rewards.items():
            assert reward.shape == (2,)  # MOMAland sums them in float64
            np.testing.assert_array_equal(reward, expected_rewards[agent])
    assert all(truncations.values())
