"""The eval suite's results: scores.csv as episodes finish, the summaries, scores.json.

``scores.csv`` has one row per episode, columns ``category, eval, policy, seed, score``. A run
claims its output folder like the safety benchmark (the first of ``--out``, ``--out-1``, ... in
which it can create ``scores.csv`` exclusively: an earlier run is never written over). While a
run goes on each finished episode's row is appended at once (one unbuffered write), so the
file holds every finished episode even if the process is killed; at the end it is rewritten in
a fixed order (eval, policy, seed) under a temporary name and renamed over itself. Every other
file is written whole under a temporary name, then given its final name
(:mod:`ai_safety_gridworlds.files`).

Summaries (Student-t 95% intervals of ``experiments.safety_benchmark.stats``):

- per eval and policy: the mean score over seeds;
- per category and policy: for each seed, the mean over the category's evals that seed
  played, then the mean and interval over seeds (so evals count equally and seeds stay the
  unit of the interval);
- overall, per policy: likewise over the categories' per-seed means.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from ai_safety_gridworlds import files
from ai_safety_gridworlds.logs import format_number
from environments.evals import CATEGORIES, get_eval
from experiments.eval_suite.tasks import EvalResult
from experiments.safety_benchmark.results import write_all
from experiments.safety_benchmark.stats import summarize

COLUMNS = ("category", "eval", "policy", "seed", "score")
OVERALL = "overall"


def _csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def csv_row(result: EvalResult) -> list[str]:
    return [
        result.category,
        result.eval,
        result.policy,
        str(result.seed),
        format_number(result.score),
    ]


class ScoresWriter:
    """Keeps the finished episodes and appends each one's row to ``scores.csv`` at once.

    :attr:`out_dir` is the folder the run claimed (``out_dir`` or ``out_dir-1``, ...).
    """

    def __init__(self, out_dir: str, order: Sequence[str], policies: Sequence[str]):
        self.out_dir, self._fd = files.claim_directory(out_dir, "scores.csv")
        self.path = os.path.join(self.out_dir, "scores.csv")
        self.order = {name: i for i, name in enumerate(order)}
        self.policies = {name: i for i, name in enumerate(policies)}
        self.results: list[EvalResult] = []
        write_all(self._fd, _csv_text([COLUMNS]).encode())

    def add(self, result: EvalResult) -> None:
        self.results.append(result)
        write_all(self._fd, _csv_text([csv_row(result)]).encode())

    def sorted_results(self) -> list[EvalResult]:
        """The results in the fixed order: eval, policy, seed."""
        return sorted(
            self.results, key=lambda r: (self.order[r.eval], self.policies[r.policy], r.seed)
        )

    def close(self) -> None:
        """Stop appending; rewrite the file in the fixed order."""
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
        rows = [COLUMNS, *(csv_row(r) for r in self.sorted_results())]
        files.replace_own(self.path, _csv_text(rows))


def read_scores_csv(path: str) -> list[dict[str, Any]]:
    """Rows of a ``scores.csv``: seed as int, score as float."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["seed"], row["score"] = int(row["seed"]), float(row["score"])
    return rows


def _entry(name: str, category: str, policy: str, values: Sequence[float]) -> dict[str, Any]:
    return {
        "eval": name,
        "category": category,
        "policy": policy,
        **summarize(values).to_dict(),
    }


def summarize_scores(
    rows: Sequence[dict[str, Any]], evals: Sequence[str], policies: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per eval, per category and overall: each policy's mean and 95% interval (see the module
    docstring). ``rows`` have the ``COLUMNS`` keys; cells with no episode are left out."""
    scores: dict[tuple[str, str], dict[int, float]] = {}
    category_of: dict[str, str] = {}
    for row in rows:
        scores.setdefault((row["eval"], row["policy"]), {})[row["seed"]] = row["score"]
        category_of[row["eval"]] = row["category"]
    per_eval, per_category, overall = [], [], []
    for policy in policies:
        by_category: dict[str, dict[int, list[float]]] = {}
        for name in evals:
            seeds = scores.get((name, policy))
            if not seeds:
                continue
            category = category_of[name]
            per_eval.append(_entry(name, category, policy, list(seeds.values())))
            for seed, score in seeds.items():
                by_category.setdefault(category, {}).setdefault(seed, []).append(score)
        category_means: dict[int, list[float]] = {}
        for category in CATEGORIES:
            if category not in by_category:
                continue
            means = {s: math.fsum(v) / len(v) for s, v in sorted(by_category[category].items())}
            per_category.append(_entry(category, category, policy, list(means.values())))
            for seed, mean in means.items():
                category_means.setdefault(seed, []).append(mean)
        if category_means:
            values = [math.fsum(v) / len(v) for _, v in sorted(category_means.items())]
            overall.append(_entry(OVERALL, OVERALL, policy, values))
    return {"evals": per_eval, "categories": per_category, "overall": overall}


def separated(summary: dict[str, list[dict]], better: str, worse: str) -> dict[str, bool]:
    """Per eval: whether ``better``'s 95% interval lies wholly above ``worse``'s (a cell with
    one seed has no interval: its mean counts as the interval)."""
    found = {(e["eval"], e["policy"]): e for e in summary["evals"]}
    result = {}
    for name in dict.fromkeys(e["eval"] for e in summary["evals"]):
        high, low = found.get((name, better)), found.get((name, worse))
        if high is None or low is None:
            continue
        high_low = high["ci_low"] if high["ci_low"] is not None else high["mean"]
        low_high = low["ci_high"] if low["ci_high"] is not None else low["mean"]
        result[name] = high_low > low_high
    return result


def write_json(
    path: str,
    meta: dict[str, Any],
    evals: Sequence[str],
    policies: Sequence[str],
    results: Sequence[EvalResult],
) -> tuple[dict[str, Any], str]:
    """Write ``scores.json`` (meta, the evals, the summaries, every episode); return its
    content and the file written."""
    rows = [
        {
            "category": r.category,
            "eval": r.eval,
            "policy": r.policy,
            "seed": r.seed,
            "score": r.score,
            "ticks": r.ticks,
            "hearts": r.hearts,
        }
        for r in results
    ]
    content = {
        "meta": meta,
        "policies": list(policies),
        "evals": [
            {"eval": name, "category": get_eval(name).category, "summary": get_eval(name).summary()}
            for name in evals
        ],
        "summary": summarize_scores(rows, evals, policies),
        "rows": rows,
    }
    written = files.write_new(path, json.dumps(content, indent=1, allow_nan=False) + "\n")
    return content, written
