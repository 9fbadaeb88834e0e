"""The eval suite's environments: registration, pinned rules, mazes, hidden in-context rules,
the C batch, and the reference solvers against random on one seed each."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ai_safety_gridworlds import kernel, registry
from environments.diamond_charger_ma import DiamondChargerConfig, DiamondChargerGame
from environments.evals import CATEGORIES, EVALS, PRESETS, get_eval, make_game, play, vector_env

LEVEL_FIELDS = (
    "level",
    "arena_size",
    "arena_kind",
    "arena_mines",
    "arena_chargers",
    "arena_altars",
)
LEVEL_FIELDS += ("maze_openness", "maze_min_distance")
MAZES = [e for e in EVALS if EVALS[e].config.get("arena_kind") == "maze"]


def test_at_least_fifteen_evals_and_three_per_category_in_category_order():
    assert len(EVALS) >= 15
    categories = [EVALS[e].category for e in EVALS]
    for category in CATEGORIES:
        assert categories.count(category) >= 3, category
    assert categories == sorted(categories, key=CATEGORIES.index)
    assert tuple(PRESETS) == tuple(EVALS) == registry.ENVIRONMENTS["evals"].presets


@pytest.mark.parametrize("name", list(EVALS))
def test_each_eval_says_what_it_measures_how_it_is_scored_and_where_it_runs(name):
    doc = EVALS[name].__doc__
    assert "Measures" in doc and "Score" in doc and "C batch: yes" in doc
    assert PRESETS[name][1] == doc.strip().splitlines()[0]


@pytest.mark.parametrize("name", list(EVALS))
def test_each_eval_pins_every_field_of_the_diamond_charger(name):
    """A later change of the environment's defaults, or a new field, cannot change an eval."""
    config = EVALS[name].config
    missing = [f.name for f in dataclasses.fields(DiamondChargerConfig) if f.name not in config]
    if config["map_art"] is not None:  # a map replaces the level and its generator
        missing = [field for field in missing if field not in LEVEL_FIELDS]
    assert missing == []


@pytest.mark.parametrize("name", MAZES)
def test_mazes_are_seeded_solvable_and_of_their_size(name):
    evaluation = get_eval(name)
    size = evaluation.config["arena_size"]
    game = make_game(evaluation)
    arts = set()
    for seed in range(6):
        game.reset(seed=seed)
        text = tuple(game.board_text())
        assert len(text) == size and {len(row) for row in text} == {size}
        assert game.map.is_connected()
        optimal = evaluation.reference(game)["optimal_ticks"]
        assert 0 < optimal < game.config.max_cycles
        again = make_game(evaluation)
        again.reset(seed=seed)
        assert tuple(again.board_text()) == text
        arts.add(text)
    assert len(arts) >= 5  # nav_near's 7 x 7 room has few places
    fixed = make_game(evaluation, map_seed=3)
    fixed.reset(seed=0)
    first = fixed.board_text()
    fixed.reset(seed=1)
    assert fixed.board_text() == first


def working_cells(game: DiamondChargerGame, char: str) -> tuple:
    drape = game.things[char]
    return tuple(map(tuple, np.argwhere(drape.curtain & drape.works).tolist()))


@pytest.mark.parametrize("name, char", [("icl_which_altar", "A"), ("icl_which_charger", "C")])
def test_hidden_rules_change_with_the_seed_and_are_not_in_the_first_observation(name, char):
    game = make_game(name)
    rules, firsts = set(), []
    for seed in range(12):
        game.reset(seed=seed)
        rules.add(working_cells(game, char))
        firsts.append(game.observe("agent_0").copy())
        assert len(working_cells(game, char)) == 1
    assert len(rules) >= 3
    assert all(np.array_equal(first, firsts[0]) for first in firsts)


def test_the_mazes_altar_changes_with_the_seed_and_is_out_of_the_first_view():
    game = make_game("icl_maze")
    altar = game.channels.index("altar")
    places = set()
    for seed in range(12):
        game.reset(seed=seed)
        places.add(working_cells(game, "A"))
        assert game.observe("agent_0")[altar].sum() == 0
    assert len(places) >= 10


@pytest.mark.parametrize("name", list(EVALS))
def test_the_reference_solver_beats_random_on_a_seed(name):
    scripted = play(name, "scripted", 1)
    rand = play(name, "random", 1)
    assert 0.0 <= rand.score < scripted.score <= 1.0
    assert scripted.trajectory.evaluated[0] == "agent_0"


def test_opponents_are_not_evaluated_and_play_their_own_policy():
    outcome = play("compete_greedy", "random", 2)
    assert outcome.trajectory.evaluated == ("agent_0",)
    assert len(outcome.trajectory.hearts["agent_1"]) >= 3  # the greedy miner made hearts
    assert outcome.trajectory.ticks == 300


def test_an_early_stop_ends_the_episode_at_the_last_trial():
    outcome = play("icl_which_altar", "scripted", 0)
    assert len(outcome.trajectory.first()) == 4
    assert outcome.trajectory.ticks == outcome.trajectory.first()[-1] < 120


@pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active")
@pytest.mark.parametrize("name", list(EVALS))
def test_each_eval_runs_on_the_c_batch_like_the_pycolab_game(name):
    env = vector_env(2, preset=name)
    assert env.backend == "c"
    observations, _ = env.reset(seed=5)
    game = make_game(name)
    for slot in range(2):
        game.reset(seed=5 + slot)
        for agent in game.possible_agents:
            assert np.array_equal(observations[agent][slot], game.observe(agent))
    actions = np.zeros((2, len(env.possible_agents)), np.int64)
    for _ in range(3):
        env.step(actions)


def test_unknown_eval_names_are_clear_errors():
    with pytest.raises(ValueError, match="unknown eval 'nav'; allowed: nav_near, nav_far"):
        play("nav", "random", 0)
    with pytest.raises(ValueError, match="unknown agent policy 'oracle'"):
        play("nav_near", "oracle", 0)


def test_the_docs_page_names_every_eval_in_its_category():
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "evals.md"), encoding="utf-8") as handle:
        rows = [line for line in handle if line.startswith("| ")]
    for name, evaluation in EVALS.items():
        assert f"| {evaluation.category} | `{name}` |" in "".join(rows), name
