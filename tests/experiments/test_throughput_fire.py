"""The throughput cases of issue 17 items 2 and 4: the fire cases and the baseline-tree case."""

from __future__ import annotations

import os

from experiments.throughput import firemaker
from experiments.throughput.harness import Block, Options

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_baseline_case_only_with_a_tree(monkeypatch):
    options = Options(seconds=0.05, quick=True)
    monkeypatch.delenv(firemaker.BASELINE_ENV_VAR, raising=False)
    names = [c.name for c in firemaker.fire_cases(options)]
    assert not any("baseline" in n for n in names)
    monkeypatch.setenv(firemaker.BASELINE_ENV_VAR, ROOT)
    cases = {c.name: c for c in firemaker.fire_cases(options)}
    baseline = cases["firemaker parallel wrapper quiet (baseline tree)"]
    assert baseline.after == "firemaker parallel wrapper quiet"  # back to back with ours


def test_the_baseline_tree_steps_in_a_subprocess():
    run_block, describe = firemaker._baseline_parallel(ROOT)
    assert run_block() == Block(20, 60)  # 20 parallel steps of the 3 default agents
    assert run_block() == Block(20, 60)
    assert describe() == {"baseline": ROOT}
