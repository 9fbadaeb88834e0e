"""The safety benchmark: statistics, the run matrix, backends, interruption and kills."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest

from environments.firemaker_ex_ma import FiremakerGame
from experiments.safety_benchmark import cli as safety_benchmark
from experiments.safety_benchmark.episode import EpisodeResult, play
from experiments.safety_benchmark.matrix import (
    WORLD,
    Cell,
    PolicyAssignment,
    RunSpec,
    build_cells,
    build_tasks,
    episode_seed,
    load_sweep,
    parse_policy,
)
from experiments.safety_benchmark.results import COLUMNS, read_results_csv, summarize_cells
from experiments.safety_benchmark.stats import summarize, t_quantile
from experiments.safety_benchmark.table import format_compact, format_tables, format_value

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SWEEP = os.path.join(REPO, "experiments", "sweeps", "firemaker_default.json")
ROWS_PER_EPISODE = (
    8 + 3 + 19
)  # firemaker default: 2+2+4 return dimensions, 3 scalar returns, 19 safety metrics

SMALL = [
    "--env",
    "firemaker_ex_ma",
    "--policy",
    "worker=always_work,supervisor=firefighter",
    "--policy",
    "random",
    "--seeds",
    "2",
    "--seed",
    "5",
    "--episodes",
    "2",
    "--max-cycles",
    "40",
    "--no-progress",
    "--no-plots",
]


def _run(argv, capsys=None):
    status = safety_benchmark.main(argv)
    if capsys is not None:
        return status, capsys.readouterr()
    return status, None


# ---------------------------------------------------------------------------
# Statistics


@pytest.mark.parametrize(
    ("dof", "expected"),
    [
        (1, 12.706204736),
        (2, 4.302652730),
        (3, 3.182446305),
        (4, 2.776445105),
        (9, 2.262157163),
        (10, 2.228138852),
        (30, 2.042272456),
        (100, 1.983971519),
        (1000, 1.962339081),
    ],
)
def test_t_quantile_matches_published_95_percent_values(dof, expected):
    assert t_quantile(0.95, dof) == pytest.approx(expected, abs=1e-8)


def test_t_quantile_other_confidence_levels():
    assert t_quantile(0.99, 7) == pytest.approx(3.499483297, abs=1e-8)
    assert t_quantile(0.90, 20) == pytest.approx(1.724718243, abs=1e-8)


def test_summary_of_constructed_samples_has_known_mean_and_interval():
    s = summarize([1, 2, 3, 4, 5])
    assert s.n == 5 and s.mean == 3.0
    assert s.std == pytest.approx(math.sqrt(2.5))
    half = 2.776445105197 * math.sqrt(2.5) / math.sqrt(5)
    assert s.half_width == pytest.approx(half, rel=1e-10)
    assert (s.ci_low, s.ci_high) == pytest.approx((3 - half, 3 + half))

    two = summarize([0.0, 2.0])
    assert two.mean == 1.0
    assert two.half_width == pytest.approx(12.706204736, rel=1e-9)

    constant = summarize([7, 7, 7])
    assert (constant.mean, constant.std, constant.half_width) == (7.0, 0.0, 0.0)

    one = summarize([4.5])
    assert one.mean == 4.5 and math.isnan(one.half_width) and math.isnan(one.ci_low)
    assert one.to_dict()["ci_low"] is None and one.to_dict()["mean"] == 4.5


def _result(cell_index, seed, values):
    rows = [("worker_0", "return/ENERGY", values[0]), (WORLD, "external_fire_ticks", values[1])]
    return EpisodeResult(cell_index, seed, 0, seed, 3, rows, [0, 3], {}, {})


def test_cell_summaries_of_constructed_episodes():
    cells = [Cell("env", "default", (), PolicyAssignment((("worker", "a"),)))]
    results = [_result(0, s, v) for s, v in enumerate([(-1.0, 0), (-3.0, 4), (-5.0, 2)])]
    (cell,) = summarize_cells(cells, results)
    assert cell["episodes"] == 3 and cell["policy"] == "worker=a"
    by_metric = {e["metric"]: e for e in cell["summary"]}
    half = 4.302652730 * 2.0 / math.sqrt(3)
    energy = by_metric["return/ENERGY"]
    assert energy["agent"] == "worker_0" and energy["mean"] == -3.0 and energy["std"] == 2.0
    assert energy["half_width"] == pytest.approx(half, rel=1e-9)
    fires = by_metric["external_fire_ticks"]
    assert fires["agent"] == WORLD and fires["mean"] == 2.0
    assert fires["ci_high"] == pytest.approx(2.0 + half, rel=1e-9)
    table = format_tables(summarize_cells(cells, results))
    assert format_value(-3.0, half) in table and "-3.00 ± 4.97" in table


# ---------------------------------------------------------------------------
# The matrix


def test_policy_specs_combine_per_role_and_per_agent():
    game = FiremakerGame()
    spec = parse_policy("worker=patrol,supervisor=firefighter", game)
    assert spec.label == "worker=patrol,supervisor=firefighter"
    assert spec.short_label == "patrol/firefighter"
    assert parse_policy("random", game).label == "worker=random,supervisor=random"
    assert parse_policy("stop_button", game).label == "worker=always_work,supervisor=stop_button"
    assert parse_policy("default", game).label == "worker=always_work,supervisor=idle"
    mixed = parse_policy("worker_1=obstruct", game)
    assert mixed.label == "worker=always_work,supervisor=idle,worker_1=obstruct"
    assert mixed.policy_for("worker_1", "worker") == "obstruct"
    assert mixed.policy_for("worker_0", "worker") == "always_work"
    with pytest.raises(ValueError, match="unknown worker policy 'idle'"):
        parse_policy("worker=idle", game)
    with pytest.raises(ValueError, match="unknown role or agent 'boss'"):
        parse_policy("boss=idle", game)
    with pytest.raises(ValueError, match="unknown policy"):
        parse_policy("nonsense", game)
    no_supervisor = FiremakerGame(supervisor=False)
    assert parse_policy("worker=patrol,supervisor=idle", no_supervisor).label == "worker=patrol"


def test_default_cells_cover_the_firemaker_calibration_comparisons():
    cells = build_cells([RunSpec("firemaker_ex_ma")])
    assert [c.policy.short_label for c in cells] == [
        "always_work/idle",
        "always_work/firefighter",
        "always_work/stop_button",
        "patrol/idle",
        "obstruct/stop_button",
        "random/random",
    ]
    with pytest.raises(ValueError, match="unknown preset"):
        build_cells([RunSpec("firemaker_ex_ma", ("nope",))])
    with pytest.raises(ValueError, match="unknown environment"):
        build_cells([RunSpec("no_such_env")])


def test_seeds_are_derived_from_the_base_seed():
    cells = build_cells([RunSpec("firemaker_ex_ma", policies=("random",))])
    tasks = build_tasks(cells, seeds=3, base_seed=10, episodes=2)
    assert [(t.seed, t.episode) for t in tasks] == [
        (10, 0),
        (10, 1),
        (11, 0),
        (11, 1),
        (12, 0),
        (12, 1),
    ]
    assert episode_seed(10, 0) == 10
    seeds = {t.episode_seed for t in tasks}
    assert len(seeds) == 6 and all(0 <= s < 2**63 for s in seeds)


def test_sweep_config_file_builds_its_matrix():
    sweep = load_sweep(SWEEP)
    assert sweep["seeds"] == 20
    cells = build_cells(sweep["runs"], max_cycles=10)
    presets = {c.preset for c in cells}
    assert {"default", "large", "three_workers"} <= presets
    assert any("fire_cluster_boost" in p for p in presets)
    assert all(dict(c.overrides)["max_cycles"] == 10 for c in cells)


# ---------------------------------------------------------------------------
# Whole runs


def test_cli_writes_csv_json_table_and_reruns_identically(tmp_path, capsys):
    out = tmp_path / "a"
    status, captured = _run([*SMALL, "--backend", "serial", "--out", str(out)], capsys)
    assert status == 0
    assert "always_work/firefighter" in captured.out and "external_" in captured.out
    rows = read_results_csv(out / "results.csv")
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 2 * 2 * 2 * ROWS_PER_EPISODE
    assert {r["seed"] for r in rows} == {5, 6} and {r["episode"] for r in rows} == {0, 1}
    content = json.loads((out / "results.json").read_text())
    assert content["meta"]["completed_episodes"] == 8 and not content["meta"]["interrupted"]
    assert len(content["rows"]) == len(rows)
    cell = content["cells"][0]
    assert cell["episodes"] == 4 and len(cell["return_curves"]["ticks"]) == 41
    assert (out / "table.txt").read_text() == captured.out
    status, reported = _run(["--report", str(out), "--no-plots"], capsys)
    assert status == 0 and reported.out == captured.out

    status, _ = _run([*SMALL, "--backend", "serial", "--out", str(tmp_path / "b")])
    assert status == 0
    assert (tmp_path / "b" / "results.csv").read_bytes() == (out / "results.csv").read_bytes()


def test_serial_process_pool_and_ray_give_identical_results(tmp_path):
    pytest.importorskip("ray")
    outputs = {}
    for backend in ("serial", "process", "ray"):
        out = tmp_path / backend
        status, _ = _run([*SMALL, "--backend", backend, "--workers", "2", "--out", str(out)])
        assert status == 0, backend
        content = json.loads((out / "results.json").read_text())
        outputs[backend] = (
            (out / "results.csv").read_bytes(),
            content["rows"],
            content["cells"],
        )
        assert content["meta"]["backend"] == backend
    assert outputs["process"] == outputs["serial"]
    assert outputs["ray"] == outputs["serial"]


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    argv = [a for a in SMALL if a != "--no-plots"]
    status, _ = _run([*argv, "--backend", "serial", "--out", str(tmp_path)])
    assert status == 0
    for kind in ("safety", "returns"):
        assert (tmp_path / f"{kind}_firemaker_ex_ma_default.png").stat().st_size > 1000


def test_episode_logs_go_under_log_dir(tmp_path):
    logs = tmp_path / "logs"
    argv = [*SMALL, "--backend", "serial", "--out", str(tmp_path), "--log-dir", str(logs)]
    assert _run(argv)[0] == 0
    files = [f for _, _, names in os.walk(logs) for f in names]
    assert len(files) == 8 and all(f.endswith(".csv") for f in files)


def test_missing_extras_give_clear_messages(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    status, captured = _run([*SMALL, "--backend", "ray", "--out", str(tmp_path)], capsys)
    assert status == 2
    assert (
        'pip install "ray>=2.9" (or, in a clone of this repository: pip install -e ".[ray]")'
        in (captured.err)
    )
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    argv = [a for a in SMALL if a not in ("--no-plots", "--no-progress")]
    status, captured = _run([*argv, "--backend", "serial", "--out", str(tmp_path)], capsys)
    assert status == 0
    assert 'no progress bar: it needs tqdm: pip install "tqdm>=4.60"' in captured.err
    assert 'plots need matplotlib: pip install "matplotlib>=3.7" (or, in a clone' in captured.err
    assert 'pip install -e ".[plots]"' in captured.err
    assert "ai-safety-gridworlds[" not in captured.err  # not on PyPI: issue 11, item 6


def test_help_shows_the_confidence_level_as_95_percent(capsys):
    with pytest.raises(SystemExit):
        safety_benchmark.main(["--help"])
    out = capsys.readouterr().out
    assert "95% CI" in " ".join(out.split()) and "%%" not in out


def test_bad_arguments_are_reported(tmp_path, capsys):
    status, captured = _run([*SMALL, "--policy", "worker=fly", "--out", str(tmp_path)], capsys)
    assert status == 2 and "unknown worker policy 'fly'" in captured.err
    status, captured = _run(["--config", SWEEP, "--env", "firemaker_ex_ma"], capsys)
    assert status == 2 and "either in --config" in captured.err


# ---------------------------------------------------------------------------
# Interruption: Ctrl-C and kill -9 keep every finished episode


def _start(tmp_path, backend):
    argv = [
        sys.executable,
        "-m",
        "experiments.safety_benchmark",
        "--seeds",
        "300",
        "--max-cycles",
        "60",
        "--backend",
        backend,
        "--workers",
        "2",
        "--no-plots",
        "--no-progress",
        "--out",
        str(tmp_path),
    ]
    return subprocess.Popen(
        argv,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint():
    """Ctrl-C's default action in the child, whatever pytest inherited: a test run started in
    the background (``pytest &``, nohup) ignores SIGINT, and Python keeps an ignored SIGINT
    ignored, so the benchmark would never see the interrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_episodes(path, count, process, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().count("\n") - 1
            if lines >= count * ROWS_PER_EPISODE:
                return
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("the benchmark did not finish episodes in time")


def _complete_episodes(path):
    """Rows grouped by episode; asserts each parses and each episode is complete."""
    rows = read_results_csv(path)
    episodes = {}
    for row in rows:
        assert set(row) == set(COLUMNS)
        key = (row["policy"], row["seed"], row["episode"])
        episodes.setdefault(key, []).append((row["agent"], row["metric"]))
    expected = None
    for metrics in episodes.values():
        assert len(metrics) == len(set(metrics)) == ROWS_PER_EPISODE
        expected = expected or sorted(metrics)
        assert sorted(metrics) == expected
    return episodes


@pytest.mark.parametrize("backend", ["serial", "process"])
def test_ctrl_c_stops_cleanly_and_keeps_finished_episodes(tmp_path, backend):
    process = _start(tmp_path, backend)
    try:
        _wait_for_episodes(tmp_path / "results.csv", 6, process)
        os.killpg(process.pid, signal.SIGINT)
        # Generous: the run writes its files in about a second, but a loaded machine (or a
        # niced test run) can stretch that by two orders of magnitude.
        stdout, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted:" in stderr and b"Traceback" not in stderr
    episodes = _complete_episodes(tmp_path / "results.csv")
    content = json.loads((tmp_path / "results.json").read_text())
    assert content["meta"]["interrupted"]
    assert content["meta"]["completed_episodes"] == len(episodes) >= 6
    assert len(content["rows"]) == len(episodes) * ROWS_PER_EPISODE
    assert b"always_work/idle" in stdout


def test_kill_9_keeps_every_finished_episodes_rows_parseable(tmp_path):
    process = _start(tmp_path, "process")
    try:
        _wait_for_episodes(tmp_path / "results.csv", 8, process)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert len(_complete_episodes(tmp_path / "results.csv")) >= 8


def test_summed_metrics_add_the_agents_totals():
    cells = build_cells(
        [RunSpec("diamond_charger_ma", ("default",), ("agent=raider",), ())], max_cycles=300
    )
    task = build_tasks(cells, seeds=1, base_seed=3, episodes=1)[0]
    rows = {(agent, metric): value for agent, metric, value in play(task).rows}
    for metric in ("hearts", "attacks", "attacks_on_strangers", "shield_absorptions"):
        per_agent = [rows[(WORLD, f"{metric}/agent_{i}")] for i in range(4)]
        assert rows[(WORLD, f"{metric}/all")] == sum(per_agent)
    assert rows[(WORLD, "attacks/all")] > 0


def test_the_diamond_social_sweep_has_every_kinship_scheme_and_social_policy():
    sweep = load_sweep(os.path.join(REPO, "experiments", "sweeps", "diamond_social.json"))
    cells = build_cells(sweep["runs"], max_cycles=10)
    schemes = {dict(c.overrides)["kinship"] for c in cells}
    assert schemes == {"independent", "teams", "random", "hives"}
    assert any(dict(c.overrides).get("mate_selection") for c in cells)
    labels = " ".join(c.policy.label for c in cells)
    for policy in ("greedy_miner", "raider", "sharer", "guardian", "scout", "suitor"):
        assert policy in labels


def test_the_compact_table_has_a_row_per_policy_with_the_paired_differences():
    def entry(agent, metric, mean):
        return {"agent": agent, "metric": metric, "kind": "mean", "mean": mean, "std": 1.0}

    def cell(policy, hearts, gini, paired=()):
        return {
            "env": "diamond_charger_ma",
            "preset": "default",
            "policy_short": policy,
            "roles": ["agent"],
            "episodes": 12,
            "summary": [
                entry("agent_0", "return/HEART", 1.0),
                entry(WORLD, "hearts/all", hearts),
                entry(WORLD, "hearts_gini", gini),
            ],
            "paired": list(paired),
        }

    def pair(metric, mean, low, high):
        return {
            "baseline_spec": "agent=greedy_miner",
            "agent": WORLD,
            "metric": metric,
            "mean": mean,
            "ci_low": low,
            "ci_high": high,
        }

    cells = [
        cell("greedy_miner", 29.0, 0.12),
        cell(
            "raider",
            1.0,
            0.25,
            [pair("hearts/all", -28.0, -29.0, -27.0), pair("hearts_gini", 0.13, -0.16, 0.42)],
        ),
    ]
    lines = format_compact(cells, ["hearts_gini", "hearts/*"]).splitlines()
    assert lines[0] == "diamond_charger_ma / default"
    assert lines[1].startswith("mean over n episodes [per-seed difference with --baseline agent=")
    assert lines[2].split() == ["policy", "(agent)", "n", "hearts_gini", "hearts/all"]  # in order
    assert lines[4].split() == ["greedy_miner", "12", "0.12", "29"]
    assert lines[5].split() == ["raider", "12", "0.25", "[+0.13]", "1", "[-28*]"]
