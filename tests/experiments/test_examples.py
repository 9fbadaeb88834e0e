"""The training examples of experiments/examples run (a few iterations; needs torch).

The RLlib example needs ray[rllib], which pins gymnasium; it runs in its own virtual
environment (docs/ecosystem.md) and is not part of the suite.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")


@pytest.mark.parametrize(
    "env, role", [("firemaker_ex_ma", "worker"), ("diamond_charger_ma", "agent")]
)
def test_the_cleanrl_style_ppo_trains_on_the_agent_batch(env, role, capsys):
    from experiments.examples import cleanrl_ppo

    argv = ["--env", env, "--role", role, "--num-envs", "2", "--max-cycles", "8"]
    summary = cleanrl_ppo.main([*argv, "--total-steps", "1024", "--seed", "1"])
    slots = 4 if env == "firemaker_ex_ma" else 8
    assert summary["agent_steps"] == (1024 // (slots * 64)) * slots * 64
    assert summary["episodes"] == slots * (summary["agent_steps"] // slots // 9)
    assert math.isfinite(summary["first_mean_return"])
    assert "summary: agent_steps" in capsys.readouterr().out
