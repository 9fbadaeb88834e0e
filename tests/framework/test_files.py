"""ai_safety_gridworlds.files: files complete or absent, never overwritten, folders never shared."""

from __future__ import annotations

import os
import pathlib

import pytest

from ai_safety_gridworlds import files


def test_candidates_put_the_suffix_before_the_extension(tmp_path):
    names = files.candidates(tmp_path / "results.csv")
    assert [os.path.basename(next(names)) for _ in range(3)] == [
        "results.csv",
        "results-1.csv",
        "results-2.csv",
    ]
    folders = files.candidates("out/benchmark_results")
    assert [next(folders) for _ in range(2)] == ["out/benchmark_results", "out/benchmark_results-1"]


def test_write_new_never_replaces_a_file_and_returns_the_name_used(tmp_path):
    target = tmp_path / "sub" / "report.json"
    first = files.write_new(target, "one")
    second = files.write_new(target, "two")
    third = files.write_new(target, b"three")
    assert first == str(target)
    assert second == str(tmp_path / "sub" / "report-1.json")
    assert third == str(tmp_path / "sub" / "report-2.json")
    contents = [pathlib.Path(p).read_bytes() for p in (first, second, third)]
    assert contents == [b"one", b"two", b"three"]
    assert sorted(os.listdir(tmp_path / "sub")) == ["report-1.json", "report-2.json", "report.json"]


def test_new_file_is_invisible_until_committed_and_removed_on_error(tmp_path):
    target = tmp_path / "log.csv"
    new = files.NewFile(target)
    new.file.write("partial")
    assert os.listdir(tmp_path) == [os.path.basename(new.temp)]
    assert os.path.basename(new.temp).startswith(".log.csv.") and new.temp.endswith(".tmp")
    assert new.commit() == str(target) and target.read_text() == "partial"
    assert os.listdir(tmp_path) == ["log.csv"]

    with pytest.raises(RuntimeError), files.NewFile(tmp_path / "other.csv") as failing:
        failing.file.write("half")
        raise RuntimeError("writer failed")
    assert os.listdir(tmp_path) == ["log.csv"]


def test_two_writers_of_one_name_get_temporary_files_of_their_own(tmp_path):
    a, b = files.NewFile(tmp_path / "x.csv"), files.NewFile(tmp_path / "x.csv")
    assert a.temp != b.temp
    a.file.write("a")
    b.file.write("b")
    assert b.commit() == str(tmp_path / "x.csv")
    assert a.commit() == str(tmp_path / "x-1.csv")
    assert (tmp_path / "x.csv").read_text() == "b" and (tmp_path / "x-1.csv").read_text() == "a"


def test_without_hard_links_the_name_is_reserved_then_replaced(tmp_path, monkeypatch):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "out.txt").write_text("finished")
    assert files.write_new(tmp_path / "out.txt", "new") == str(tmp_path / "out-1.txt")
    assert (tmp_path / "out.txt").read_text() == "finished"
    assert (tmp_path / "out-1.txt").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["out-1.txt", "out.txt"]


def test_replace_own_swaps_a_writers_own_file_atomically(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("a,b\n1,2\n")
    files.replace_own(path, "a,b\n0,0\n1,2\n")
    assert path.read_text() == "a,b\n0,0\n1,2\n"
    assert os.listdir(tmp_path) == ["results.csv"]


def test_claim_directory_skips_folders_that_hold_another_runs_first_file(tmp_path):
    out = tmp_path / "bench"
    folder, fd = files.claim_directory(out, "results.csv")
    os.close(fd)
    assert folder == str(out) and (out / "results.csv").exists()
    second, fd = files.claim_directory(str(out) + "/", "results.csv")
    os.close(fd)
    assert second == str(tmp_path / "bench-1")
    empty = tmp_path / "given"
    empty.mkdir()
    third, fd = files.claim_directory(empty, "results.csv")
    os.close(fd)
    assert third == str(empty)
