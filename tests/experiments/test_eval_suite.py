"""The eval suite's command: files, summaries with exact values, backends, reports, errors,
and a trained checkpoint of the baseline as a policy."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from ai_safety_gridworlds.policies import Policy
from experiments.eval_suite import results as eval_results
from experiments.eval_suite.cli import main
from experiments.eval_suite.table import format_table

SMALL = ["--eval", "nav_near,coop_pool_energy", "--seeds", "2", "--no-progress"]


def run(tmp_path, *argv, name="out") -> tuple[int, str]:
    out = tmp_path / name
    code = main([*SMALL, *argv, "--out", str(out)])
    return code, str(out)


def read_csv(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_run_writes_scores_csv_json_the_table_and_the_heatmap(tmp_path, capsys):
    code, out = run(tmp_path, "--backend", "serial")
    assert code == 0
    rows = read_csv(f"{out}/scores.csv")
    assert rows[0] == ["category", "eval", "policy", "seed", "score"]
    assert [r[:4] for r in rows[1:]] == [
        ["navigation", "nav_near", "random", "0"],
        ["navigation", "nav_near", "random", "1"],
        ["navigation", "nav_near", "scripted", "0"],
        ["navigation", "nav_near", "scripted", "1"],
        ["cooperation", "coop_pool_energy", "random", "0"],
        ["cooperation", "coop_pool_energy", "random", "1"],
        ["cooperation", "coop_pool_energy", "scripted", "0"],
        ["cooperation", "coop_pool_energy", "scripted", "1"],
    ]
    assert all(0.0 <= float(r[4]) <= 1.0 for r in rows[1:])
    assert [float(r[4]) for r in rows[7:]] == [1.0, 1.0]
    with open(f"{out}/scores.json", encoding="utf-8") as handle:
        content = json.load(handle)
    assert content["policies"] == ["random", "scripted"]
    assert [e["eval"] for e in content["evals"]] == ["nav_near", "coop_pool_energy"]
    assert content["meta"]["completed_episodes"] == 8 and not content["meta"]["interrupted"]
    scripted = [e for e in content["summary"]["evals"] if e["policy"] == "scripted"]
    assert [e["n"] for e in scripted] == [2, 2]
    printed = capsys.readouterr().out
    with open(f"{out}/table.txt", encoding="utf-8") as handle:
        assert handle.read() == printed
    assert "coop_pool_energy" in printed and "overall" in printed
    with open(f"{out}/heatmap.png", "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_report_reprints_the_table_of_a_finished_run(tmp_path, capsys):
    code, out = run(tmp_path, "--backend", "serial", "--no-plots")
    printed = capsys.readouterr().out
    assert main(["--report", out, "--no-plots"]) == 0
    assert capsys.readouterr().out == printed


def test_the_process_pool_gives_the_same_scores_as_serial(tmp_path):
    _, serial = run(tmp_path, "--backend", "serial", "--no-plots", name="serial")
    _, pool = run(tmp_path, "--workers", "2", "--no-plots", name="pool")
    assert read_csv(f"{serial}/scores.csv") == read_csv(f"{pool}/scores.csv")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--eval", "nav"], "unknown eval 'nav'"),
        (["--category", "chess"], "unknown category 'chess'"),
        (["--policy", "oracle"], "unknown agent policy 'oracle'"),
        (["--policy", "no_module:thing"], "cannot import module 'no_module'"),
        (["--policy", "random", "--policy", "random"], "policy 'random' is given twice"),
        (["--seeds", "0"], "--seeds must be >= 1, got 0"),
        (["--checkpoint", "nowhere/model.pt"], "no file 'nowhere/model.pt'"),
    ],
)
def test_bad_arguments_are_one_clear_error_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


class StopAtSeedOne(Policy):
    """A policy that stops the run (Ctrl-C) when it plays seed 1."""

    def reset(self, seed: int) -> None:
        self.stop = seed == _seed_one_policy_seed()

    def act(self, observation, info):
        if self.stop:
            raise KeyboardInterrupt
        return 0


def _seed_one_policy_seed() -> int:
    from ai_safety_gridworlds.core.rollout import policy_seed

    return policy_seed(1, 0)


def test_ctrl_c_keeps_the_finished_episodes(tmp_path):
    out = tmp_path / "out"
    argv = ["--eval", "nav_near", "--seeds", "3", "--backend", "serial", "--no-progress"]
    policy = f"{__name__}:StopAtSeedOne"
    assert main([*argv, "--policy", policy, "--out", str(out), "--no-plots"]) == 130
    rows = read_csv(f"{out}/scores.csv")
    assert [r[3] for r in rows[1:]] == ["0"]
    with open(out / "scores.json", encoding="utf-8") as handle:
        meta = json.load(handle)["meta"]
    assert meta["interrupted"] and meta["completed_episodes"] == 1


def rows_of(table: dict) -> list[dict]:
    return [
        {"category": c, "eval": e, "policy": p, "seed": s, "score": v}
        for (c, e, p), values in table.items()
        for s, v in enumerate(values)
    ]


def test_category_and_overall_means_are_per_seed_means_over_the_evals():
    rows = rows_of(
        {
            ("navigation", "nav_a", "p"): [1.0, 0.0, 0.5],
            ("navigation", "nav_b", "p"): [0.0, 0.0, 0.5],
            ("maze", "maze_a", "p"): [0.25, 0.75, 0.5],
        }
    )
    summary = eval_results.summarize_scores(rows, ["nav_a", "nav_b", "maze_a"], ["p"])
    nav = next(e for e in summary["categories"] if e["eval"] == "navigation")
    assert (nav["n"], nav["mean"]) == (3, (0.5 + 0.0 + 0.5) / 3)
    overall = summary["overall"][0]
    per_seed = [(0.5 + 0.25) / 2, (0.0 + 0.75) / 2, (0.5 + 0.5) / 2]
    assert overall["mean"] == pytest.approx(np.mean(per_seed), abs=1e-15)
    std = float(np.std(per_seed, ddof=1))
    assert overall["half_width"] == pytest.approx(4.302652729911275 * std / math.sqrt(3))


def test_separation_needs_intervals_that_do_not_overlap():
    rows = rows_of(
        {
            ("maze", "a", "scripted"): [0.9, 1.0, 0.95],
            ("maze", "a", "random"): [0.0, 0.0, 0.0],
            ("maze", "b", "scripted"): [0.9, 0.0, 0.95],
            ("maze", "b", "random"): [0.0, 0.1, 0.0],
        }
    )
    summary = eval_results.summarize_scores(rows, ["a", "b"], ["random", "scripted"])
    assert eval_results.separated(summary, "scripted", "random") == {"a": True, "b": False}
    text = format_table(
        {
            "policies": ["random", "scripted"],
            "summary": summary,
            "evals": [{"eval": "a", "category": "maze"}, {"eval": "b", "category": "maze"}],
        }
    )
    assert "on 1 of 2 evals; not on: b" in text


def test_cells_that_were_not_played_are_n_a_in_the_table():
    rows = rows_of({("maze", "a", "p"): [0.5, 0.5]})
    summary = eval_results.summarize_scores(rows, ["a", "b"], ["p", "q"])
    content = {
        "policies": ["p", "q"],
        "summary": summary,
        "evals": [{"eval": "a", "category": "maze"}, {"eval": "b", "category": "maze"}],
    }
    lines = format_table(content).splitlines()
    assert [line.split() for line in lines if line.startswith("  b")] == [["b", "n/a", "n/a"]]


def test_a_trained_checkpoint_plays_the_evals_its_networks_fit(tmp_path, capsys):
    pytest.importorskip("torch")
    from experiments.train_baseline.cli import main as train

    model = tmp_path / "nav" / "model.pt"
    argv = ["--env", "evals", "--preset", "nav_near", "--reference", "none", "--num-envs", "4"]
    argv += ["--total-steps", "256", "--rollout-steps", "32", "--eval-episodes", "2"]
    assert train([*argv, "--out", str(model.parent)]) == 0
    capsys.readouterr()
    out = tmp_path / "scores"
    args = ["--eval", "nav_near,maze_small", "--policy", "random", "--seeds", "2"]
    args += ["--checkpoint", str(model), "--backend", "serial", "--no-progress", "--no-plots"]
    assert main([*args, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "ppo:nav: n/a on maze_small" in captured.err
    rows = read_csv(f"{out}/scores.csv")
    assert [r[1:4] for r in rows[1:] if r[2] == "ppo:nav"] == [
        ["nav_near", "ppo:nav", "0"],
        ["nav_near", "ppo:nav", "1"],
    ]
    again = tmp_path / "again"
    assert main([*args, "--out", str(again)]) == 0
    assert read_csv(f"{again}/scores.csv") == rows  # the checkpoint's sampling is seeded


def test_a_checkpoint_acts_with_the_logits_of_the_network_it_was_trained_with(tmp_path):
    pytest.importorskip("torch")
    import torch

    from ai_safety_gridworlds.policies import build_policy
    from environments.evals import make_game
    from experiments.train_baseline.checkpoint import load_checkpoint
    from experiments.train_baseline.cli import main as train

    argv = ["--env", "evals", "--preset", "nav_near", "--reference", "none", "--num-envs", "2"]
    argv += ["--total-steps", "64", "--rollout-steps", "32", "--eval-episodes", "1"]
    assert train([*argv, "--out", str(tmp_path)]) == 0
    checkpoint = load_checkpoint(str(tmp_path / "model.pt"))
    game = make_game("nav_near")
    game.reset(seed=3)
    observation = game.observe("agent_0")
    assert observation.max() == 255  # the own-energy channel: the inputs are scaled
    policy = build_policy(checkpoint.policy, game.policy_context("agent_0"))
    network = checkpoint.networks["agent"]
    with torch.no_grad():
        logits, _ = network(torch.from_numpy(observation.reshape(1, 1, -1)))
    torch.testing.assert_close(policy.logits(observation), logits[0])
