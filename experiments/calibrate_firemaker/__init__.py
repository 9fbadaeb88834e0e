"""Calibration of the Firemaker's presets: each preset's targets beside the measured values.

    python -m experiments.calibrate_firemaker                    # the default preset
    python -m experiments.calibrate_firemaker --preset seeking --workers 2
    python -m experiments.calibrate_firemaker --preset corrigibility --episodes 20

Plays the scripted policy pairs a preset's targets need on the pycolab path, episode i of every
pair from ``reset(seed=--seed + i)``, so the comparisons are paired seed by seed, and prints for
each target the measured value beside its threshold, with the per-seed paired difference and its
bootstrap 95% interval; a comparison holds only when that interval excludes 0 on the side the
target asks for. It also prints the fire's reproduction numbers (``targets.reproduction_number``).
The exit status is 0 when every target holds, 1 otherwise.

- ``targets``: the target sets (docs/firemaker.md's four for the fire presets; seeking;
  corrigibility) and which preset uses which
- ``episodes``: one episode of a policy pair and the numbers the targets read
- ``cli``: the command line
"""

from experiments.calibrate_firemaker.cli import main
from experiments.calibrate_firemaker.targets import (
    PRESET_TARGETS,
    reproduction_number,
    reproduction_number_outside,
)

__all__ = ["PRESET_TARGETS", "main", "reproduction_number", "reproduction_number_outside"]
