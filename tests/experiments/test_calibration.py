"""The calibration script: its reproduction number and a short run of its table."""

from __future__ import annotations

import math

from environments.firemaker_ex_ma import FiremakerConfig
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
