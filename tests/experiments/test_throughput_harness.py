"""The throughput harness: cases interleaved in slices over rounds, ratios round by round,
targets judged on the median, every ratio with its setup (no timing is asserted here)."""

from __future__ import annotations

import json

from experiments.throughput import harness
from experiments.throughput.harness import Block, Case, Options, Ratio


def _recording_case(name: str, calls: list[str], agents: int = 2) -> Case:
    def setup():
        def run_block() -> Block:
            calls.append(name)
            return Block(10, 10 * agents)

        return run_block, lambda: {"described": name}

    return Case(name, "test", "board", setup, about=f"about {name}")


def test_cases_run_interleaved_forward_then_backward_over_rounds():
    calls: list[str] = []
    cases = [_recording_case(name, calls) for name in ("a", "b", "c")]
    rows = harness.measure(cases, Options(seconds=1e-9, quick=True, rounds=4), lambda _: None)
    # one untimed block each at setup, then one slice per case per round (each slice runs at
    # least one block; 1 ns slices run exactly one)
    assert calls == ["a", "b", "c"] + ["a", "b", "c", "c", "b", "a"] * 2
    assert [r["name"] for r in rows] == ["a", "b", "c"]
    for row in rows:
        assert len(row["agent_steps_per_s_rounds"]) == 4
        spread = row["agent_steps_per_s_spread"]
        assert spread["min"] <= row["agent_steps_per_s"] <= spread["max"]
        assert row["described"] == row["name"] and row["about"] == f"about {row['name']}"


def _row(name: str, rounds: list[float]) -> dict:
    return {"name": name, "agent_steps_per_s": 0.0, "agent_steps_per_s_rounds": rounds}


def test_ratios_are_taken_round_by_round_and_targets_judged_on_the_median():
    rows = [
        _row("two", [20.0, 30.0, 16.0]),
        _row("one", [10.0, 20.0, 10.0]),
        {"name": "probe", "construct_s": 1.5, "construct_s_rounds": [1.0, 1.5, 3.0]},
    ]
    ratios = [
        Ratio("speed-up", "two", "one", setup="two vs one", at_least=1.7),
        Ratio("plain", "two", "one"),
        Ratio("built", "probe", key="construct_s", at_most=2),
        Ratio("missing", "two", "absent", at_least=1),
    ]
    speedup, plain, built, missing = harness.evaluate(ratios, rows)
    assert speedup["rounds"] == [2.0, 1.5, 1.6]
    assert (speedup["value"], speedup["min"], speedup["max"]) == (1.6, 1.5, 2.0)
    assert speedup["met"] is False and speedup["target"] == ">= 1.7"
    assert speedup["setup"] == "two vs one"
    assert "target" not in plain and plain["value"] == 1.6
    assert built["value"] == 1.5 and built["met"] is True and built["target"] == "<= 2"
    assert missing == {
        "label": "missing",
        "setup": "",
        "measured": False,
        "target": ">= 1",
        "met": False,
    }
    unmeasured = harness.evaluate([Ratio("gone", "absent", "one")], rows)
    text = harness.format_ratios([speedup, plain, built, missing, *unmeasured])
    assert "gone" not in text
    assert "speed-up" in text and ">= 1.7: NOT met" in text and "<= 2: met" in text
    assert "not measured" in text and "  speed-up: two vs one" in text


def test_in_processes_adds_up_the_work_of_every_process():
    setup = _recording_case("x", [], agents=3).setup
    run_block, describe = harness.in_processes(setup, 2, 0.0)()
    block = run_block()  # each process runs one block of 10 env-steps in a 0 s slice
    assert block == Block(20, 60, 0)
    assert describe() == {"processes": 2}


def test_the_report_has_rounds_ratios_targets_and_the_load(tmp_path, capsys):
    out = tmp_path / "t.json"
    argv = ["--rounds", "2", "--seconds", "0.01", "--cases", "fire kernel numpy", "--out", str(out)]
    assert harness.main(argv) == 0
    report = json.loads(out.read_text())
    assert report["rounds"] == 2 and report["seconds_per_slice"] == 0.01
    assert {r["name"] for r in report["results"]} == {
        "fire kernel numpy quiet",
        "fire kernel numpy burning",
    }
    assert all(len(r["env_steps_per_s_rounds"]) == 2 for r in report["results"])
    assert "load_average" in report and report["probes"] == []
    labels = {e["label"]: e for e in report["ratios"]}
    assert labels["C fire kernel / numpy fallback (quiet)"]["measured"] is False
    assert "load average before" in capsys.readouterr().out


def test_a_case_with_after_runs_right_behind_its_partner_in_every_round():
    calls: list[str] = []
    a, b, c = (_recording_case(name, calls) for name in ("a", "b", "c"))
    followed = Case("a2", "test", "board", _recording_case("a2", calls).setup, after="a")
    cases = [a, b, c, followed]
    assert [case.name for case in harness.run_order(cases)] == ["a", "a2", "b", "c"]
    rows = harness.measure(cases, Options(seconds=1e-9, quick=True, rounds=2), lambda _: None)
    assert calls[4:] == ["a", "a2", "b", "c", "c", "b", "a2", "a"]
    assert [r["name"] for r in rows] == ["a", "b", "c", "a2"]  # the report keeps the given order
