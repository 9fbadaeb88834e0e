"""Paired comparisons with a baseline policy (``--baseline SPEC``), seed by seed.

Every cell of a block (one environment, preset and overrides) plays the same seeds, so two
cells' episodes pair up: the same seed starts the same fires. ``--baseline SPEC`` compares each
cell with its *baseline cell*: the same policies with the roles (or agents) that SPEC names
replaced. ``--baseline worker=always_work`` compares ``obstruct/stop_button`` with
``always_work/stop_button`` and ``patrol/idle`` with ``always_work/idle`` (only the workers
change); a SPEC naming every role (``worker=always_work,supervisor=idle``) compares every cell
with that one cell. A cell that is its own baseline is not compared, nor one whose baseline
cell is not in the matrix (the command line says which; add the baseline's ``--policy``).

For every metric the comparison is the mean of the per-seed differences, cell minus baseline,
with its bootstrap 95% interval (:func:`.stats.paired_difference`). A censored metric (see
:mod:`.survival`) is compared by the share of episodes in which its event happened (1 or 0 per
episode; an episode not at risk counts 0), and the two Kaplan-Meier medians are listed beside
it in the cell summaries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from experiments.safety_benchmark.episode import EpisodeResult
from experiments.safety_benchmark.matrix import (
    WORLD,
    Cell,
    PolicyAssignment,
    named_policies,
    resolve_env,
)
from experiments.safety_benchmark.stats import paired_difference
from experiments.safety_benchmark.survival import censored_time


def substitute(
    assignment: PolicyAssignment,
    roles: Mapping[str, str],
    agents: Mapping[str, str],
    agent_order: Sequence[str],
) -> PolicyAssignment:
    """``assignment`` with the named roles' and agents' policies replaced (per-agent
    exceptions of the assignment stay unless the agent is named); per-agent entries in
    ``agent_order`` (the game's agents), as :func:`.matrix.parse_policy` orders them."""
    new_roles = tuple((role, roles.get(role, policy)) for role, policy in assignment.roles)
    new_agents = {**dict(assignment.agents), **agents}
    return PolicyAssignment(
        new_roles, tuple((a, new_agents[a]) for a in agent_order if a in new_agents)
    )


def add_baselines(
    cells: Sequence[Cell], specs: Sequence[str]
) -> tuple[list[Cell], list[tuple[Cell, str]]]:
    """``cells`` with each cell's baseline labels set, and the comparisons left out because
    their baseline cell is not in the matrix (cell, baseline label). Raises ValueError for a
    bad spec."""
    if not specs:
        return list(cells), []
    blocks: dict[tuple, list[Cell]] = {}
    for cell in cells:
        blocks.setdefault((cell.env, cell.preset, cell.overrides), []).append(cell)
    out: list[Cell] = []
    missing: list[tuple[Cell, str]] = []
    for (env, _preset, overrides), block in blocks.items():
        game = resolve_env(env).make_game(dict(overrides))
        parsed = [(spec, *named_policies(spec, game)) for spec in specs]
        present = {cell.policy.label for cell in block}
        for cell in block:
            pairs = []
            for spec, roles, agents in parsed:
                assignment = substitute(cell.policy, roles, agents, game.possible_agents)
                if assignment.label == cell.policy.label:
                    continue
                if assignment.label in present:
                    pairs.append((spec, assignment.label))
                else:
                    missing.append((cell, assignment.short_label))
            out.append(dataclasses.replace(cell, baselines=tuple(pairs)))
    order = {cell.key: i for i, cell in enumerate(cells)}
    return sorted(out, key=lambda cell: order[cell.key]), missing


def paired_rows(
    cell: Cell,
    cells: Sequence[Cell],
    episodes: Mapping[int, Sequence[EpisodeResult]],
    censored: Mapping[str, str | None],
) -> list[dict]:
    """The paired comparisons of ``cell`` with each of its baselines: one row per baseline,
    agent and metric (``metric`` as in the results; ``kind`` "difference" or, for censored
    metrics, "event_share")."""
    index_of = {c.key: i for i, c in enumerate(cells)}
    own = {(r.seed, r.episode): r for r in episodes.get(index_of[cell.key], ())}
    rows: list[dict] = []
    for spec, label in cell.baselines:
        base_index = index_of.get((cell.env, cell.preset, label))
        if base_index is None:
            continue
        base_cell = cells[base_index]
        base = {(r.seed, r.episode): r for r in episodes.get(base_index, ())}
        keys = sorted(own.keys() & base.keys())
        if not keys:
            continue
        values = [_values(own[k], censored) for k in keys]
        base_values = [_values(base[k], censored) for k in keys]
        for name in values[0]:
            if not all(name in v for v in base_values):
                continue
            agent, metric = name
            difference = paired_difference(
                [v[name] for v in values], [v[name] for v in base_values]
            )
            rows.append(
                {
                    "baseline_spec": spec,
                    "baseline": label,
                    "baseline_short": base_cell.policy.short_label,
                    "agent": agent,
                    "metric": metric,
                    "kind": "event_share" if metric in censored else "difference",
                    **difference.to_dict(),
                }
            )
    return rows


def _values(result: EpisodeResult, censored: Mapping[str, str | None]) -> dict:
    """One episode's numbers by (agent, metric); a censored metric is 1 if its event happened."""
    values = {(agent, metric): float(value) for agent, metric, value in result.rows}
    safety = {metric: value for agent, metric, value in result.rows if agent == WORLD}
    for metric, start in censored.items():
        if metric in safety:
            time = censored_time(safety, metric, start, result.ticks)
            values[(WORLD, metric)] = float(time is not None and time.observed)
    return values
