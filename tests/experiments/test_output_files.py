"""Every file the experiments write: a new run never overwrites an earlier run's files."""

from __future__ import annotations

import json
import os
import pathlib
import sys
import types

import pytest

from experiments import calibrate_firemaker
from experiments.safety_benchmark import cli as safety_benchmark
from experiments.throughput import harness as throughput
from experiments.train_baseline import cli as train_baseline

SMALL = [
    "--env",
    "firemaker_ex_ma",
    "--policy",
    "random",
    "--seeds",
    "2",
    "--max-cycles",
    "10",
    "--backend",
    "serial",
    "--no-progress",
    "--no-plots",
]


def _snapshot(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def test_a_second_benchmark_run_into_one_folder_takes_the_next_free_one(tmp_path, capsys):
    out = tmp_path / "bench"
    assert safety_benchmark.main([*SMALL, "--out", str(out)]) == 0
    first = _snapshot(out)
    assert set(first) == {"results.csv", "results.json", "table.txt"}
    capsys.readouterr()
    assert safety_benchmark.main([*SMALL, "--seed", "7", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert _snapshot(out) == first
    second = tmp_path / "bench-1"
    assert f"results in {second} ({out} holds an earlier run's results)" in err
    assert f"wrote {second}/results.csv, results.json, table.txt" in err
    assert json.loads((second / "results.json").read_text())["meta"]["seed"] == 7


def test_reported_plots_never_replace_earlier_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "bench"
    assert safety_benchmark.main([*SMALL, "--plots", "--out", str(out)]) == 0
    first = _snapshot(out)
    assert "safety_firemaker_ex_ma_default.png" in first
    assert safety_benchmark.main(["--report", str(out), "--plots"]) == 0
    err = capsys.readouterr().err
    assert f"plot: {out / 'safety_firemaker_ex_ma_default-1.png'}" in err
    after = _snapshot(out)
    assert {k: after[k] for k in first} == first
    assert set(after) - set(first) == {
        "safety_firemaker_ex_ma_default-1.png",
        "returns_firemaker_ex_ma_default-1.png",
    }


def test_throughput_json_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "results" / "throughput.json"
    argv = ["--quick", "--seconds", "0.02", "--cases", "fire kernel numpy quiet", "--out", str(out)]
    assert throughput.main(argv) == 0
    first = out.read_bytes()
    assert throughput.main(argv) == 0
    assert out.read_bytes() == first
    assert f"wrote {tmp_path / 'results' / 'throughput-1.json'}" in capsys.readouterr().out
    assert json.loads((tmp_path / "results" / "throughput-1.json").read_text())["results"]


def test_calibration_json_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "calibration.json"
    out.write_text("an earlier run")
    argv = ["--episodes", "1", "--max-cycles", "5", "--workers", "1", "--json", str(out)]
    calibrate_firemaker.main(argv)
    assert out.read_text() == "an earlier run"
    assert f"wrote {tmp_path / 'calibration-1.json'}" in capsys.readouterr().out
    assert json.loads((tmp_path / "calibration-1.json").read_text())["episodes"] == 1


def test_baseline_outputs_go_to_a_folder_of_their_own(tmp_path, monkeypatch):
    saved = []

    def save(state, handle):
        saved.append(state)
        handle.write(b"model bytes")

    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(save=save))
    learner = types.SimpleNamespace(
        policy=types.SimpleNamespace(state_dict=lambda: {"w": 1}),
        roles=[types.SimpleNamespace(name="worker")],
    )
    curve = [{"iteration": 1, "return": 2.5}]
    evaluation = [{"policy": "trained", "metric": "m", "mean": float("nan")}]
    out = tmp_path / "baseline"
    folders = [
        train_baseline.write_outputs(str(out), curve, evaluation, {"run": k}, learner)
        for k in range(2)
    ]
    assert folders == [str(out), str(tmp_path / "baseline-1")]
    for k, folder in enumerate(folders):
        names = sorted(os.listdir(folder))
        assert names == ["curve.csv", "evaluation.csv", "model.pt", "results.json"]
        folder = pathlib.Path(folder)
        assert json.loads((folder / "results.json").read_text()) == {"run": k}
        assert (folder / "model.pt").read_bytes() == b"model bytes"
        assert (folder / "evaluation.csv").read_text().splitlines()[1] == "trained,m,"
    assert saved == [{"networks": {"w": 1}, "roles": ["worker"]}] * 2
