"""Diamond charger kinship: the five schemes, matrix validation and the Beta draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai_safety_gridworlds.core import rng
from environments.diamond_charger_ma import DiamondChargerGame, team_layout
from environments.diamond_charger_ma import kinship as kin


def matrix_of(**config) -> np.ndarray:
    game = DiamondChargerGame(**config)
    game.reset(seed=0)
    return game.kinship_matrix


def test_independent_is_the_identity():
    assert np.array_equal(matrix_of(kinship="independent"), np.eye(4))


def test_teams_are_kin_within_and_strangers_between():
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], float)
    assert np.array_equal(matrix_of(), expected)
    layout = team_layout(DiamondChargerGame.config_class(level=1))
    assert layout.team_sizes == (4, 4, 4)
    uneven = matrix_of(num_agents=4, team_sizes=(3, 1))
    assert uneven[0].tolist() == [1, 1, 1, 0] and uneven[3].tolist() == [0, 0, 0, 1]


def test_hives_nest_teams_in_clans():
    k = matrix_of(level=1, kinship="hives", clan_kinship=0.25)
    assert k[0, 1] == 1.0
    assert k[0, 4] == 0.25
    assert k[0, 8] == 0.0 and k[4, 8] == 0.0
    assert k[8, 11] == 1.0
    assert np.array_equal(k, k.T) and np.all(np.diag(k) == 1.0)
    two_clans = kin.kinship_matrix("hives", (0, 0, 1, 1, 2, 2, 3, 3), (0, 0, 1, 1))
    assert two_clans[0, 2] == 0.5 and two_clans[0, 4] == 0.0 and two_clans[4, 6] == 0.5


def test_random_kinship_is_symmetric_reproducible_and_redrawn_each_episode():
    game = DiamondChargerGame(level=1, kinship="random")
    game.reset(seed=4)
    first = game.kinship_matrix.copy()
    assert np.array_equal(first, first.T) and np.all(np.diag(first) == 1.0)
    off = first[~np.eye(12, dtype=bool)]
    assert np.all((off >= 0) & (off < 1)) and len(set(off.tolist())) == 66
    game.reset(seed=4)
    assert np.array_equal(game.kinship_matrix, first)
    game.reset()
    assert not np.array_equal(game.kinship_matrix, first)
    base = rng.stream_base(game.key, 0 * 12 + 1, kin.STREAM_KINSHIP)
    assert game.kinship_matrix[0, 1] == rng.draw_uniform(base, 0)


def test_user_matrix_is_used_as_given():
    matrix = ((1, 0.1, 0.2, 0.3), (0.1, 1, 0.4, 0.5), (0.2, 0.4, 1, 0.6), (0.3, 0.5, 0.6, 1))
    assert np.array_equal(matrix_of(kinship="matrix", kinship_matrix=matrix), np.array(matrix))
    text = "1,0.1,0.2,0.3;0.1,1,0.4,0.5;0.2,0.4,1,0.6;0.3,0.5,0.6,1"
    assert np.array_equal(matrix_of(kinship="matrix", kinship_matrix=text), np.array(matrix))


@pytest.mark.parametrize(
    "matrix, message",
    [
        (((1, 0), (0, 1), (0, 0)), "must be square"),
        (((1, 0, 0), (0, 1, 0), (0, 0, 1)), "there are 4 agents"),
        (((1, 0.5, 0, 0), (0.4, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), "not symmetric"),
        (((1, 2, 0, 0), (2, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), "out of range"),
        (((1, -0.1, 0, 0), (-0.1, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), "out of range"),
        (((0.9, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)), "diagonal must be 1"),
    ],
)
def test_bad_matrices_are_rejected_with_the_rule_they_break(matrix, message):
    with pytest.raises(ValueError, match=message):
        DiamondChargerGame(kinship="matrix", kinship_matrix=matrix)


def test_matrix_scheme_needs_a_matrix_and_other_schemes_refuse_one():
    with pytest.raises(ValueError, match="needs kinship_matrix"):
        DiamondChargerGame(kinship="matrix")
    with pytest.raises(ValueError, match="only used with kinship='matrix'"):
        DiamondChargerGame(kinship="teams", kinship_matrix=np.eye(4).tolist())
    with pytest.raises(ValueError, match="'kinship_matrix'"):
        DiamondChargerGame(kinship="matrix", kinship_matrix="1,x;0,1")
    with pytest.raises(ValueError, match="'kinship'"):
        DiamondChargerGame(kinship="clans")


def test_quantised_kinship():
    values = np.array([0.0, 0.001, 0.5, 0.75, 1.0])
    assert kin.quantise(values).tolist() == [0, 0, 128, 191, 255]


def test_integer_beta_is_an_order_statistic_of_uniforms():
    base = rng.stream_base(123, 7, kin.STREAM_KINSHIP)
    uniforms = sorted(rng.draw_uniform(base, i) for i in range(6))
    assert kin.beta_draw(2, 5, base) == uniforms[1]
    assert kin.beta_draw(1.0, 1.0, base) == rng.draw_uniform(base, 0)


def test_gamma_draw_follows_the_documented_sequence():
    d = 2.5 - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    for tick in range(3):
        base = rng.stream_base(99, tick, kin.STREAM_KINSHIP)
        u1 = 1.0 - rng.draw_uniform(base, 0)
        u2 = rng.draw_uniform(base, 1)
        x = math.sqrt(-2.0 * math.log(u1)) * math.cos(kin.TWO_PI * u2)
        v = 1.0 + c * x
        value, index = kin.gamma_draw(2.5, base, 0)
        assert index == 3
        assert value == d * (v * v * v)
    small, index = kin.gamma_draw(0.5, base, 0)
    inner, inner_index = kin.gamma_draw(1.5, base, 0)
    assert index == inner_index + 1
    assert small == inner * math.pow(1.0 - rng.draw_uniform(base, inner_index), 2.0)


@pytest.mark.parametrize("a, b", [(1, 1), (2, 5), (0.5, 0.5), (2.5, 1.5), (0.3, 3.0), (7.5, 7.5)])
def test_beta_draws_have_the_right_mean_and_variance(a, b):
    count = 4000
    draws = np.array(
        [kin.beta_draw(a, b, rng.stream_base(2024, i, kin.STREAM_KINSHIP)) for i in range(count)]
    )
    mean = a / (a + b)
    variance = a * b / ((a + b) ** 2 * (a + b + 1))
    assert np.all((draws >= 0) & (draws <= 1))
    assert abs(draws.mean() - mean) < 4 * math.sqrt(variance / count)
    assert abs(draws.var() - variance) < 0.1 * variance
