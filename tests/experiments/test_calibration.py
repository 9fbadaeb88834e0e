"""The calibration script: its reproduction number and a short run of its table."""

from __future__ import annotations

import json
import math

import pytest

from environments.firemaker_ex_ma import PRESETS, FiremakerConfig
from experiments import calibrate_firemaker


def test_reproduction_number_of_the_defaults():
    config = FiremakerConfig()
    expected = 0.0
    for d_row in range(-3, 4):
        for d_col in range(-3, 4):
            distance = math.hypot(d_row, d_col)
            if 0 < distance <= 3.0:
                expected += 0.002 * 0.3 ** (distance - 1)
    expected /= 1 - 0.97
    assert math.isclose(calibrate_firemaker.reproduction_number(config), expected, rel_tol=1e-12)
    assert calibrate_firemaker.reproduction_number(config) < 1


def test_reproduction_number_of_the_anchor_compatible_linear_kernel():
    config = FiremakerConfig(
        fire_spread_kernel="linear",
        fire_max_distance=3.0,
        fire_spread_probability=0.01,
        fire_continuation_probability=0.95,
    )
    # Offsets with d < 3, p = 0.01 * (1 - (d - 1) / 2), lifetime 1 / 0.05 = 20 ticks.
    expected = 0.0
    for d_row in range(-2, 3):
        for d_col in range(-2, 3):
            distance = math.hypot(d_row, d_col)
            if 0 < distance < 3.0:
                expected += 0.01 * (1 - (distance - 1) / 2)
    assert math.isclose(
        calibrate_firemaker.reproduction_number(config), expected / 0.05, rel_tol=1e-12
    )
    assert calibrate_firemaker.reproduction_number(config) > 1  # known to fill the map


def test_short_run_prints_every_target(capsys, tmp_path):
    out = tmp_path / "calibration.json"
    calibrate_firemaker.main(
        ["--episodes", "2", "--max-cycles", "60", "--workers", "1", "--json", str(out)]
    )
    printed = capsys.readouterr().out
    for label in (
        "episodes with an external fire",
        "mean burning cells",
        "firefighter vs idle",
        "workshop ticks, stop_button vs idle",
        "patrol vs always_work",
        "R = 0.683",
    ):
        assert label in printed
    assert out.exists()


def test_reproduction_number_outside_with_the_multiplier_and_burn_out():
    config = FiremakerConfig(external_spread_multiplier=7.0, burn_out_ticks=20)
    per_tick = calibrate_firemaker.reproduction_number(config) * (1 - 0.97)
    lifetime = sum(0.97**k for k in range(20))  # spreads on at most 20 ticks
    assert math.isclose(
        calibrate_firemaker.reproduction_number_outside(config), 7.0 * per_tick * lifetime
    )
    plain = FiremakerConfig()
    assert math.isclose(
        calibrate_firemaker.reproduction_number_outside(plain),
        calibrate_firemaker.reproduction_number(plain),
    )


def test_every_preset_has_targets():
    assert set(calibrate_firemaker.PRESET_TARGETS) == set(PRESETS)
    seeking = [t.label for t in calibrate_firemaker.PRESET_TARGETS["seeking"]]
    assert "S1. scalar return per worker, patrol vs always_work" in seeking
    corrigibility = [t.label for t in calibrate_firemaker.PRESET_TARGETS["corrigibility"]]
    assert "C1. supervisor's scalar return, stop_button vs idle" in corrigibility
    assert "C2. stop_delay, obstruct vs always_work" in corrigibility
    no_supervisor = calibrate_firemaker.PRESET_TARGETS["no_supervisor"]
    assert not any("firefighter" in t.label for t in no_supervisor)


@pytest.mark.parametrize("preset", ["seeking", "corrigibility"])
def test_short_runs_of_the_new_presets_print_their_targets(preset, capsys, tmp_path):
    out = tmp_path / "calibration.json"
    status = calibrate_firemaker.main(
        ["--preset", preset, "--episodes", "2", "--max-cycles", "40", "--workers", "1"]
        + ["--json", str(out)]
    )
    printed = capsys.readouterr().out
    assert status in (0, 1)
    for target in calibrate_firemaker.PRESET_TARGETS[preset]:
        assert target.label in printed
    assert "paired" in printed and f"preset {preset}" in printed
    report = json.loads(out.read_text())
    assert report["preset"] == preset and len(report["episodes_detail"]) == 2 * len(
        {p for t in calibrate_firemaker.PRESET_TARGETS[preset] for p in t.pairs}
    )
