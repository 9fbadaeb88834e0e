"""The benchmark's paired comparisons (--baseline, bootstrap intervals) and its Kaplan-Meier
summaries of censored metrics."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from environments.firemaker_ex_ma import FiremakerGame
from experiments.safety_benchmark import cli as safety_benchmark
from experiments.safety_benchmark.episode import EpisodeResult
from experiments.safety_benchmark.matrix import (
    WORLD,
    Cell,
    PolicyAssignment,
    RunSpec,
    build_cells,
    parse_policy,
)
from experiments.safety_benchmark.paired import add_baselines, paired_rows, substitute
from experiments.safety_benchmark.results import summarize_cells
from experiments.safety_benchmark.stats import paired_difference
from experiments.safety_benchmark.survival import CensoredTime, censored_time, kaplan_meier
from experiments.safety_benchmark.table import format_interval, format_survival, format_tables

# --------------------------------------------------------------------------- paired differences


def test_paired_difference_is_the_mean_of_per_seed_differences():
    values, baseline = [10.0, 12.0, 9.0, 15.0, 11.0], [8.0, 11.0, 9.5, 12.0, 10.0]
    result = paired_difference(values, baseline)
    assert result.n == 5 and result.mean == pytest.approx(1.3)
    assert result.ci_low < result.mean < result.ci_high
    assert paired_difference(values, baseline) == result  # a fixed generator seed
    assert result.to_dict()["excludes_zero"] == result.excludes_zero


def test_pairing_finds_a_difference_that_the_spread_between_seeds_hides():
    gen = np.random.default_rng(3)
    seed_effect = gen.standard_t(3, 100) * 200  # heavy-tailed, shared by both policies
    baseline = seed_effect + gen.normal(0, 2, 100)
    values = seed_effect - 5 + gen.normal(0, 2, 100)
    result = paired_difference(values, baseline)
    assert result.excludes_zero and result.ci_high < 0
    assert result.ci_low == pytest.approx(-5, abs=1.5) or result.ci_low < -5 < result.ci_high


def test_the_bootstrap_interval_of_normal_differences_is_close_to_the_t_interval():
    gen = np.random.default_rng(11)
    differences = gen.normal(3.0, 10.0, 400)
    result = paired_difference(differences, np.zeros(400))
    half = 1.966 * differences.std(ddof=1) / math.sqrt(400)
    assert result.ci_low == pytest.approx(differences.mean() - half, abs=0.15 * half)
    assert result.ci_high == pytest.approx(differences.mean() + half, abs=0.15 * half)


def test_degenerate_paired_samples():
    constant = paired_difference([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
    assert (constant.mean, constant.ci_low, constant.ci_high) == (2.0, 2.0, 2.0)
    assert constant.excludes_zero
    zero = paired_difference([1.0, 1.0], [1.0, 1.0])
    assert (zero.mean, zero.ci_low, zero.ci_high) == (0.0, 0.0, 0.0) and not zero.excludes_zero
    one = paired_difference([4.0], [1.0])
    assert one.mean == 3.0 and math.isnan(one.ci_low) and one.to_dict()["ci_low"] is None
    rare = paired_difference([0.0] * 99 + [1.0], [0.0] * 100)
    assert rare.ci_low == 0.0 and 0.01 < rare.ci_high < 0.1
    with pytest.raises(ValueError, match="same length, got 2 and 3"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


# --------------------------------------------------------------------------- Kaplan-Meier


def test_kaplan_meier_median_of_a_hand_computed_sample():
    """Events at 3, 5, 5, 8; censored at 5, 10, 10. S(3) = 6/7, S(5) = 6/7 * 4/6 = 4/7
    (the censored 5 leaves after the events at 5), S(8) = 4/7 * 2/3 = 8/21 < 1/2: median 8."""
    times = [CensoredTime(t, True) for t in (3, 5, 5, 8)]
    times += [CensoredTime(t, False) for t in (5, 10, 10)]
    km = kaplan_meier(times)
    assert (km.n, km.events, km.median, km.longest) == (7, 4, 8.0, 10)
    assert km.no_event_share == pytest.approx(3 / 7)
    assert km.median_ci_low <= 8.0 and km.median_ci_high is None  # never below 1/2 at the top
    assert km.to_dict()["kind"] == "kaplan_meier"


def test_kaplan_meier_without_censoring_is_the_lower_sample_median():
    km = kaplan_meier([CensoredTime(t, True) for t in (4, 1, 9, 7)])
    assert km.median == 4.0 and km.no_event_share == 0.0


def test_kaplan_meier_median_not_reached():
    km = kaplan_meier([CensoredTime(999, False)] * 3 + [CensoredTime(100, True)])
    assert km.median is None and km.longest == 999 and km.no_event_share == 0.75
    assert format_survival(km.to_dict()) == ">999 (75% none)"
    none = kaplan_meier([CensoredTime(50, False)] * 4)
    assert (none.events, none.median) == (0, None)
    assert format_survival(kaplan_meier([CensoredTime(8, True)] * 2).to_dict()) == "8 (0% none)"


def test_censored_times_of_episodes():
    assert censored_time({"first": 12}, "first", None, 1000) == CensoredTime(12, True)
    assert censored_time({"first": -1}, "first", None, 1000) == CensoredTime(999, False)
    safety = {"first": 300, "delay": 25}
    assert censored_time(safety, "delay", "first", 1000) == CensoredTime(25, True)
    safety = {"first": 300, "delay": -1}
    assert censored_time(safety, "delay", "first", 1000) == CensoredTime(699, False)
    assert censored_time({"first": -1, "delay": -1}, "delay", "first", 1000) is None


def _episode(cell_index, seed, first_fire, delay, energy, ticks=100):
    rows = [
        ("worker_0", "return/ENERGY", energy),
        (WORLD, "first_external_fire_tick", first_fire),
        (WORLD, "stop_delay", delay),
    ]
    return EpisodeResult(cell_index, seed, 0, seed, ticks, rows, [0, ticks], {}, {})


def test_cell_summaries_never_average_the_no_event_sentinel():
    cells = [Cell("firemaker_ex_ma", "default", (), PolicyAssignment((("worker", "a"),)))]
    results = [
        _episode(0, 0, 40, 5, -1.0),
        _episode(0, 1, -1, -1, -2.0),
        _episode(0, 2, 60, -1, -3.0),
        _episode(0, 3, 20, 9, -4.0),
    ]
    (cell,) = summarize_cells(cells, results)
    by_metric = {e["metric"]: e for e in cell["summary"]}
    first = by_metric["first_external_fire_tick"]
    # Events at 20, 40, 60; one episode censored at 99: S(40) = 2/4, so the median is 40.
    assert first["kind"] == "kaplan_meier" and "mean" not in first
    assert (first["n"], first["events"], first["median"]) == (4, 3, 40.0)
    assert first["no_event_share"] == 0.25
    delay = by_metric["stop_delay"]  # at risk: the 3 episodes with a fire
    assert (delay["n"], delay["events"], delay["median"]) == (3, 2, 9.0)
    assert by_metric["return/ENERGY"]["kind"] == "mean"
    table = format_tables([cell])
    assert "40 (25% none)" in table and "9 (33% none)" in table
    assert "Kaplan-Meier median" in table


# --------------------------------------------------------------------------- --baseline


def test_a_baseline_replaces_only_the_roles_it_names():
    game = FiremakerGame()
    cell = parse_policy("worker=obstruct,supervisor=stop_button,worker_1=patrol", game)
    swapped = substitute(cell, {"worker": "always_work"}, {}, game.possible_agents)
    assert swapped.label == "worker=always_work,supervisor=stop_button,worker_1=patrol"
    swapped = substitute(cell, {}, {"worker_1": "random"}, game.possible_agents)
    assert swapped.label == "worker=obstruct,supervisor=stop_button,worker_1=random"
    both = substitute(cell, {"worker": "patrol", "supervisor": "idle"}, {}, game.possible_agents)
    assert both.short_label == "patrol/idle worker_1=patrol"


def test_cells_know_their_baselines_and_missing_ones_are_reported():
    runs = [
        RunSpec(
            "firemaker_ex_ma",
            ("default",),
            (
                "worker=always_work,supervisor=idle",
                "worker=always_work,supervisor=stop_button",
                "worker=obstruct,supervisor=stop_button",
                "worker=patrol,supervisor=firefighter",
            ),
        )
    ]
    cells, missing = add_baselines(build_cells(runs), ["worker=always_work", "supervisor=idle"])
    baselines = {cell.policy.short_label: cell.baselines for cell in cells}
    assert baselines["always_work/idle"] == ()
    assert baselines["always_work/stop_button"] == (
        ("supervisor=idle", "worker=always_work,supervisor=idle"),
    )
    assert baselines["obstruct/stop_button"] == (
        ("worker=always_work", "worker=always_work,supervisor=stop_button"),
    )
    assert [(c.policy.short_label, b) for c, b in missing] == [
        ("obstruct/stop_button", "obstruct/idle"),
        ("patrol/firefighter", "always_work/firefighter"),
        ("patrol/firefighter", "patrol/idle"),
    ]
    with pytest.raises(ValueError, match="unknown role or agent 'boss'"):
        add_baselines(cells, ["boss=idle"])


def test_paired_rows_pair_episodes_by_seed():
    game = FiremakerGame()
    base = Cell("firemaker_ex_ma", "default", (), parse_policy("default", game))
    other = Cell(
        "firemaker_ex_ma",
        "default",
        (),
        parse_policy("worker=patrol", game),
        (("worker=always_work", base.policy.label),),
    )
    cells = [base, other]
    episodes = {
        0: [_episode(0, s, f, -1, e) for s, f, e in ((0, 10, -5.0), (1, -1, -7.0), (2, 30, -1.0))],
        1: [_episode(1, s, f, -1, e) for s, f, e in ((2, -1, -2.0), (0, 10, -4.0), (1, -1, -9.0))],
    }
    rows = {
        r["metric"]: r
        for r in paired_rows(other, cells, episodes, {"first_external_fire_tick": None})
    }
    energy = rows["return/ENERGY"]
    assert energy["n"] == 3 and energy["mean"] == pytest.approx(((1) + (-2) + (-1)) / 3)
    assert energy["baseline_spec"] == "worker=always_work" and energy["kind"] == "difference"
    fire = rows["first_external_fire_tick"]  # the share of episodes with an external fire
    assert fire["kind"] == "event_share" and fire["mean"] == pytest.approx(-1 / 3)
    assert paired_rows(base, cells, episodes, {}) == []


def test_the_benchmark_prints_and_writes_paired_differences(tmp_path, capsys):
    out = tmp_path / "run"
    status = safety_benchmark.main(
        [
            "--env", "firemaker_ex_ma", "--preset", "seeking", "--seeds", "3",
            "--max-cycles", "60", "--workers", "1", "--no-progress", "--no-plots",
            "--baseline", "worker=always_work", "--out", str(out),
        ]
    )  # fmt: skip
    assert status == 0
    captured = capsys.readouterr()
    assert "Paired differences, --baseline worker=always_work" in captured.out
    assert "patrol - always_work" in captured.out
    content = json.loads((out / "results.json").read_text())
    assert content["meta"]["baselines"] == ["worker=always_work"]
    by_policy = {cell["policy_short"]: cell for cell in content["cells"]}
    assert by_policy["always_work"]["paired"] == []
    patrol = {(r["agent"], r["metric"]): r for r in by_policy["patrol"]["paired"]}
    assert patrol[("worker_0", "scalar_return")]["n"] == 3
    assert patrol[(WORLD, "burnt_cells")]["kind"] == "difference"
    assert patrol[(WORLD, "stop_delay")]["kind"] == "event_share"
    survival = {e["metric"]: e for e in by_policy["patrol"]["summary"]}["first_external_fire_tick"]
    assert survival["kind"] == "kaplan_meier"
    assert os.path.exists(out / "table.txt")


def test_a_baseline_cell_missing_from_the_run_is_a_note(capsys, tmp_path):
    status = safety_benchmark.main(
        [
            "--env", "firemaker_ex_ma", "--policy", "worker=patrol", "--seeds", "1",
            "--max-cycles", "5", "--workers", "1", "--no-progress", "--no-plots",
            "--baseline", "worker=always_work", "--out", str(tmp_path / "run"),
        ]
    )  # fmt: skip
    assert status == 0
    assert "is not compared with always_work/idle" in capsys.readouterr().err


def test_format_interval_marks_intervals_that_exclude_zero():
    assert format_interval(-115.2, -160.0, -77.3, False) == "-115 [-160, -77] *"
    assert format_interval(2.5, -0.5, 5.5, False) == "+2.5 [-0.5, +5.5]"
    assert format_interval(-0.55, -0.66, -0.43, True) == "-55% [-66%, -43%] *"
    assert format_interval(None, None, None, False) == "-"
