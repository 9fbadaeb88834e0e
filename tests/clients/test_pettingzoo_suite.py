"""PettingZoo's own test suite on every environment with NOOP masked (``noops=False``).

Before the action spaces left NOOP out, ``parallel_api_test`` sampled NOOP from ``Discrete(n)``
and the step raised ``action 0 (NOOP) is not allowed``; now the space is
``Discrete(n - 1, start=1)`` and the info's ``action_mask`` is cut to it.
"""

from __future__ import annotations

import pytest
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
    seed_test,
)

from ai_safety_gridworlds import registry

ENVIRONMENTS = list(registry.ENVIRONMENTS)
pytestmark = [
    pytest.mark.filterwarnings("ignore:Observations are different shapes"),
    pytest.mark.filterwarnings("ignore:Agents have different observation space sizes"),
]


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_parallel_api_test_passes_with_noops_masked(name):
    module = registry.load(name)
    env = module.parallel_env(noops=False, max_cycles=60)
    assert env.action_space(env.possible_agents[0]).start == 1
    parallel_api_test(env, num_cycles=200)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_api_test_passes_with_noops_masked(name):
    api_test(registry.load(name).env(noops=False, max_cycles=60), num_cycles=200)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_seed_tests_pass_with_noops_masked(name):
    module = registry.load(name)
    seed_test(lambda: module.env(noops=False, max_cycles=40), num_cycles=50)
    parallel_seed_test(lambda: module.parallel_env(noops=False, max_cycles=40), num_cycles=50)


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_max_cycles_and_render_tests_pass(name, capsys):
    module = registry.load(name)
    max_cycles_test(module)
    render_test(lambda render_mode=None: module.env(render_mode=render_mode, noops=False))
    assert "tick 0" in capsys.readouterr().out  # human mode printed on reset
