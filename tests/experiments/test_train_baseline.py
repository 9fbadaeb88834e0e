"""The PPO learning baseline: its command line without torch, its validation, tiny seeded runs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from experiments.train_baseline import cli as train_baseline
from experiments.train_baseline import evaluation as baseline_eval
from experiments.train_baseline.cli import main, parse_overrides, parse_reward_weights

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = [
    "--num-envs",
    "4",
    "--total-steps",
    "256",
    "--rollout-steps",
    "32",
    "--epochs",
    "2",
    "--minibatches",
    "2",
    "--set",
    "max_cycles=40",
    "--eval-episodes",
    "3",
]
FIREMAKER_DIMS = {
    "worker_0": ("ENERGY", "WORKSHOP"),
    "worker_1": ("ENERGY", "WORKSHOP"),
    "supervisor_0": ("ENERGY", "EXTERNAL_FIRE", "TRESPASSING", "WORKSHOP_OPERATION"),
}


def test_without_torch_the_command_prints_the_install_hint_and_fails():
    code = (
        "import sys, runpy; sys.modules['torch'] = None; "
        "sys.argv = ['train_baseline']; "
        "runpy.run_module('experiments.train_baseline', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == train_baseline.TORCH_MISSING + "\n"
    assert '"torch>=2.0"' in result.stderr and 'pip install -e ".[torch]"' in result.stderr


def test_without_torch_main_returns_1_in_process(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert main(["--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == train_baseline.TORCH_MISSING
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "no_such_key=1"], "unknown config key 'no_such_key'"),
        (["--set", "num_workers=0"], "invalid value 0 for 'num_workers'"),
        (["--set", "fire_spread_kernel=cubic"], "invalid value 'cubic' for 'fire_spread_kernel'"),
        (["--set", "max_cycles"], "--set 'max_cycles' is not of the form KEY=VALUE"),
        (["--reward-weights", "WORKSHOP=lots"], "'WORKSHOP=lots' is not DIM=W or AGENT:DIM=W"),
        (["--reward-weights", "ENERGY=nan"], "'ENERGY=nan' is not DIM=W or AGENT:DIM=W"),
        (["--reward-weights", "HAPPINESS=1"], "unknown reward dimension 'HAPPINESS'"),
        (["--reward-weights", "worker_7:ENERGY=1"], "unknown agent 'worker_7'"),
        (
            ["--reward-weights", "supervisor_0:WORKSHOP=1"],
            "unknown reward dimension 'WORKSHOP' of 'supervisor_0'",
        ),
        (["--num-envs", "0"], "--num-envs must be > 0"),
        (["--learning-rate", "nan"], "--learning-rate must be > 0"),
        (["--threads", "-1"], "--threads must be >= 0"),
        (["--reference", "worker=dance"], "unknown worker policy 'dance'"),
        (["--env", "chess"], "unknown environment 'chess'"),
        (["--env", "evals", "--preset", "nav"], "unknown preset 'nav' of 'evals'"),
    ],
)
def test_bad_arguments_are_one_clear_error_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_an_unusable_device_is_a_clear_error(capsys, tmp_path):
    pytest.importorskip("torch")
    assert main([*TINY, "--device", "abacus", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --device 'abacus' is not usable")
    assert not (tmp_path / "out").exists()


def test_reward_weights_apply_per_dimension_and_per_agent():
    weights = parse_reward_weights("WORKSHOP=0.5,ENERGY=2,supervisor_0:ENERGY=0", FIREMAKER_DIMS)
    np.testing.assert_array_equal(
        weights, [[2.0, 0.5, 0.0, 0.0], [2.0, 0.5, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]]
    )
    np.testing.assert_array_equal(
        parse_reward_weights("", FIREMAKER_DIMS),
        [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]],
    )


def test_overrides_are_json_values_or_plain_strings():
    assert parse_overrides(
        ["level=1", "supervisor=false", "fire_spread_kernel=linear", "observation_radius=[1,1,2,2]"]
    ) == {
        "level": 1,
        "supervisor": False,
        "fire_spread_kernel": "linear",
        "observation_radius": [1, 1, 2, 2],
    }
    assert parse_overrides(["supervisor_observation_radius=None"]) == {
        "supervisor_observation_radius": None
    }


def _run(tmp_path, name, extra=()):
    out = tmp_path / name
    assert main([*TINY, *extra, "--out", str(out)]) == 0
    with open(out / "curve.csv", newline="") as handle:
        curve = list(csv.DictReader(handle))
    with open(out / "evaluation.csv", newline="") as handle:
        evaluation = list(csv.DictReader(handle))
    with open(out / "results.json") as handle:
        results = json.load(handle)
    return out, curve, evaluation, results


def test_tiny_run_writes_curve_evaluation_and_model(tmp_path, capsys):
    pytest.importorskip("torch")
    out, curve, evaluation, results = _run(tmp_path, "run")
    assert len(curve) == 2  # 256 steps of 4 envs x 32 steps per iteration
    columns = list(curve[0])
    assert columns[:11] == [
        "iteration",
        "env_steps",
        "seconds",
        "env_steps_per_s",
        "learning_rate",
        "policy_loss",
        "value_loss",
        "entropy",
        "approx_kl",
        "clip_fraction",
        "episodes",
    ]
    assert "return/worker_0/WORKSHOP" in columns
    assert "return/supervisor_0/EXTERNAL_FIRE" in columns
    assert "safety/external_fire_ticks" in columns
    assert "safety/stop_button_presses/supervisor_0" in columns
    assert [row["env_steps"] for row in curve] == ["128", "256"]
    # max_cycles 40: the 4 episodes end in the second iteration (steps 33..64).
    assert [row["episodes"] for row in curve] == ["0", "4"]
    assert curve[0]["safety/external_fire_ticks"] == ""
    assert float(curve[1]["safety/workshop_ticks"]) >= 0
    assert list(evaluation[0]) == [
        "policy",
        "metric",
        "n",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "half_width",
        "confidence",
    ]
    policies = {row["policy"] for row in evaluation}
    assert policies == {"trained", "reference", "trained_minus_reference"}
    assert {row["n"] for row in evaluation} == {"3"}
    reference = {r["metric"]: float(r["mean"]) for r in evaluation if r["policy"] == "reference"}
    # always_work/idle over 40 ticks: both workers work every tick.
    assert reference["safety/workshop_ticks"] == 40.0
    assert reference["return/worker_0/WORKSHOP"] == 800.0
    assert results["reference"] == "always_work/idle"
    assert results["evaluation_seeds"] == [1_000_000, 1_000_001, 1_000_002]
    assert len(results["episodes"]["trained"]) == 3
    assert os.path.getsize(out / "model.pt") > 0
    printed = capsys.readouterr().out
    assert "steps/s" in printed and "safety: external_fire_ticks" in printed


def test_same_seed_gives_identical_numbers(tmp_path):
    pytest.importorskip("torch")
    timing = {"seconds", "env_steps_per_s"}
    runs = [_run(tmp_path, name, ["--reference", "none"]) for name in ("a", "b")]
    (_, curve_a, eval_a, results_a), (_, curve_b, eval_b, results_b) = runs
    assert [{k: v for k, v in r.items() if k not in timing} for r in curve_a] == [
        {k: v for k, v in r.items() if k not in timing} for r in curve_b
    ]
    assert eval_a == eval_b
    assert results_a["episodes"] == results_b["episodes"]
    _, curve_c, _, _ = _run(tmp_path, "c", ["--reference", "none", "--seed", "1"])
    assert [r["policy_loss"] for r in curve_c] != [r["policy_loss"] for r in curve_a]


def test_rollout_masks_the_autoreset_step_and_cuts_advantages_at_episode_ends():
    pytest.importorskip("torch")
    import torch

    from environments.firemaker_ex_ma import vector_env
    from experiments.train_baseline.ppo import PPOLearner

    env = vector_env(2, max_cycles=3)
    env.reset(seed=0)
    settings = train_baseline.PPOSettings(rollout_steps=8, gamma=0.5, gae_lambda=1.0)
    weights = parse_reward_weights("", FIREMAKER_DIMS)
    learner = PPOLearner(env, weights, settings, seed=0, device="cpu")
    learner.collect(lambda env: None)
    # Ticks 1..3 end the episode at step 2; step 3 only starts the next one (masked).
    assert learner.valid[:, 0].tolist() == [1, 1, 1, 0, 1, 1, 1, 0]
    assert learner.done[:, 0].tolist() == [0, 0, 1, 0, 0, 0, 1, 0]
    learner.rewards.fill_(1.0)
    learner.values.fill_(2.0)
    advantages = learner._advantages()[:, 0, 0]
    # Within an episode: delta = 1 + 0.5 * 2 - 2 = 0, so every advantage is 0, and the last
    # real step bootstraps from the value of the episode's final observation (no termination).
    assert torch.equal(advantages, torch.zeros(8))
    learner.values[3] = 6.0  # the final observation of the first episode
    advantages = learner._advantages()[:, 0, 0]
    assert advantages[:3].tolist() == [0.5, 1.0, 2.0]
    assert advantages[4:].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_evaluation_pairs_seeds_with_the_scripted_reference():
    """Workers that step left onto the workshop and stay, beside a supervisor that never moves,
    are always_work/idle on level 0, so both evaluations give the same rows, seed for seed."""
    torch = pytest.importorskip("torch")

    class StepLeftThenWork:
        ticks = 0

        def observation_tensors(self, observations):
            return observations

        def act(self, observations, generator):
            actions = torch.zeros((len(observations["worker_0"]), 3), dtype=torch.int64)
            if self.ticks == 0:
                actions[:, :2] = 1  # LEFT: both workers start just right of a workshop cell
            self.ticks += 1
            return actions, None, None

    from environments.firemaker_ex_ma import FiremakerGame, vector_env

    config = {"max_cycles": 60, "fire_spread_probability": 0.05}
    trained = baseline_eval.evaluate_trained(
        StepLeftThenWork(), vector_env, config, 3, 7, torch.Generator()
    )
    columns = baseline_eval.EpisodeRecorder(vector_env(1, **config)).columns
    reference = baseline_eval.evaluate_reference("default", FiremakerGame, config, 3, 7, columns)
    assert trained == reference
    row = dict(zip(columns, trained[0], strict=True))
    assert row["return/worker_0/WORKSHOP"] == 60 * 20.0  # it works from the tick it arrives
    assert row["safety/external_fire_ticks"] > 0


def test_a_preset_gives_the_config_and_set_overrides_it():
    parser = train_baseline.build_parser()
    environment, config, weights, label = train_baseline.prepare(
        parser.parse_args(["--preset", "seeking", "--set", "burn_out_ticks=5"])
    )
    assert (environment.name, environment.preset) == ("firemaker_ex_ma", "seeking")
    assert config["supervisor"] is False and config["external_spread_multiplier"] == 7.0
    assert config["burn_out_ticks"] == 5
    assert weights.shape == (2, 3)  # two workers: ENERGY, WORKSHOP, EXTERNAL_FIRE
    assert label == "always_work"
    with pytest.raises(ValueError, match="unknown preset 'nonsense' of 'firemaker_ex_ma'"):
        train_baseline.prepare(parser.parse_args(["--preset", "nonsense"]))


def test_inputs_keep_zero_and_one_and_compress_large_values():
    pytest.importorskip("torch")
    import math

    import torch

    from experiments.train_baseline.ppo import scale_inputs

    x = torch.tensor([0, 1, 2, 255], dtype=torch.uint8)
    expected = [0.0, 1.0, 1.0 + math.log(2.0), 1.0 + math.log(255.0)]
    assert scale_inputs(x).tolist() == pytest.approx(expected, rel=1e-6)
    assert scale_inputs(x)[:2].tolist() == [0.0, 1.0]  # one-hot inputs pass exactly
