"""Property test over generated configs (issue 11, kind 3).

Overrides are generated from the config dataclasses' own declarations (types, choices, bounds),
mostly good values, numpy scalars among them, some bad ones. Every config a game accepts must
build, reset and step on every path (pycolab, PettingZoo parallel and AEC, Gymnasium, the C and
numpy batches, which must agree), and every config it rejects must raise the same
``ValueError`` naming one of the given fields on every path. A field added to a config is
covered from its declaration without changing this file (structured text fields are drawn from
the values in the environment's presets, plus a few bad ones).

Examples: ``AISG_PROPERTY_EXAMPLES`` per environment (default 30, deterministic; the sanitizer
run sets more).
"""

from __future__ import annotations

import dataclasses
import math
import os

import gymnasium
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.core import config as config_lib
from environments import diamond_charger_ma as diamond
from environments import firemaker_ex_ma as firemaker

EXAMPLES = int(os.environ.get("AISG_PROPERTY_EXAMPLES", "30"))
TICKS = 6
NUM_ENVS = 2

ENVIRONMENTS = {
    "firemaker": (firemaker, firemaker.FiremakerGame, firemaker.PRESETS, "FiremakerExMa-v0"),
    "diamond": (diamond, diamond.DiamondChargerGame, diamond.PRESETS, "DiamondChargerMa-v0"),
}
PRACTICAL_MAX = {
    # Fields whose accepted range is far larger than a unit test can build quickly (board and
    # window sizes); the property is drawn within these, the bounds are tested elsewhere.
    "map_width": 25,
    "map_height": 25,
    "arena_size": 34,
    "num_workers": 6,
    "num_agents": 8,
}
SMALL_MAPS = (
    ("#####", "#0 1#", "#####"),
    ("######", "#0 D #", "#  C1#", "# A  #", "######"),
    "#####/#0D1#/#C A#/#####",
)
BAD_VALUES = (math.nan, math.inf, -math.inf, "x", None, True, 1.5, [1], 2**64, -(2**70))


def preset_values(presets, name):
    """The values the presets give a field (for structured text fields)."""
    return [overrides[name] for overrides, _ in presets.values() if name in overrides]


def good_values(field, presets):
    """Values a field's declaration allows (its defaults, bounds, choices, numpy scalars)."""
    meta = field.metadata
    kind = meta.get("kind")
    name = field.name
    if meta.get("check") is config_lib.check_radius:
        return st.one_of(
            st.none(),
            st.just(-1),
            st.integers(0, 5),
            st.integers(0, 4).map(np.int64),
            st.tuples(*[st.integers(0, 3)] * 4),
        )
    if name == "map_art":
        return st.sampled_from((None, *SMALL_MAPS, *preset_values(presets, name)))
    if name == "team_sizes":
        return st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    if name == "kinship_matrix":
        return st.sampled_from((None, "1", ((1.0, 0.5), (0.5, 1.0)), "1,0.25;0.25,1"))
    if meta.get("check") is not None:  # other structured fields: the presets' values
        return st.sampled_from((field.default, *preset_values(presets, name)))
    if meta.get("choices") is not None:
        return st.sampled_from(meta["choices"])
    if kind is bool:
        return st.one_of(st.booleans(), st.booleans().map(np.bool_))
    lo, hi = config_lib.bounds(field)
    none = (st.none(),) if meta.get("optional") else ()
    if kind is int:
        top = min(hi, PRACTICAL_MAX.get(name, hi))
        values = st.one_of(
            st.integers(lo, min(top, lo + 20)),
            st.sampled_from((lo, top)),
            st.integers(lo, min(top, lo + 20)).map(np.int64),
        )
        return st.one_of(values, *none)
    if kind is float:
        values = st.one_of(
            st.floats(lo, hi, allow_nan=False),
            st.floats(lo, min(hi, lo + 10.0), allow_nan=False),
            st.sampled_from((lo, hi)),
            st.floats(lo, min(hi, lo + 10.0), allow_nan=False).map(np.float32),
        )
        return st.one_of(values, *none)
    return st.just(field.default)


def bad_values(field):
    """Values most fields refuse: wrong types, NaN, infinities, just outside the bounds."""
    lo, hi = config_lib.bounds(field)
    outside = [v for v in (lo, hi) if v is not None]
    outside = [outside[0] - 1, outside[-1] + 1] if outside else []
    return st.sampled_from((*BAD_VALUES, *outside, "bogus text"))


@st.composite
def config_overrides(draw, cls, presets):
    fields = dataclasses.fields(cls)
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=5, unique_by=id))
    overrides = {}
    for field in chosen:
        bad = draw(st.integers(0, 9)) == 0
        values = bad_values(field) if bad else good_values(field, presets)
        overrides[field.name] = draw(values)
    return overrides


def legal_random(spec, gen, num_envs):
    return np.stack(
        [gen.choice(np.flatnonzero(spec.legal_actions[a]), num_envs) for a in spec.possible_agents],
        axis=1,
    )


def rejected_everywhere(name, overrides, message):
    """Every other path rejects ``overrides`` with the same message."""
    module, _, _, gym_id = ENVIRONMENTS[name]
    makers = [
        lambda: module.parallel_env(**overrides),
        lambda: module.raw_env(**overrides),
        lambda: gymnasium.make(f"ai_safety_gridworlds/{gym_id}", **overrides),
        lambda: module.vector_env(1, backend="numpy", **overrides),
    ]
    if kernel.BACKEND == "c":
        makers.append(lambda: module.vector_env(1, backend="c", **overrides))
    for make in makers:
        with pytest.raises(ValueError) as error:
            make()
        assert str(error.value) == message


def runs_everywhere(name, overrides):
    """Build, reset and step the config on every path; the batches equal the pycolab game."""
    module, game_class, _, gym_id = ENVIRONMENTS[name]
    gen = np.random.default_rng(0)
    games = [game_class(**overrides) for _ in range(NUM_ENVS)]
    for e, game in enumerate(games):
        game.reset(seed=100 + e)
    batches = [module.vector_env(NUM_ENVS, backend="numpy", **overrides)]
    if kernel.BACKEND == "c":
        batches.append(module.vector_env(NUM_ENVS, backend="c", **overrides))
    for batch in batches:
        batch.reset(seed=100)
    spec = batches[0].batch_spec
    for _ in range(TICKS):
        actions = legal_random(spec, gen, NUM_ENVS)
        for e, game in enumerate(games):
            if game.episode_over:
                game.reset()
            else:
                row = dict(zip(game.possible_agents, actions[e].tolist(), strict=True))
                game.step({agent: row[agent] for agent in game.agents})  # unborn/dead: ignored
        for batch in batches:
            batch.step(actions)
            for e, game in enumerate(games):
                np.testing.assert_array_equal(batch.state()[e], game.state())
                for agent in game.possible_agents:
                    np.testing.assert_array_equal(
                        batch.observations[agent][e], game.observe(agent), err_msg=agent
                    )
                    np.testing.assert_array_equal(
                        batch.reward_vectors[agent][e], game.rewards[agent].astype(np.float32)
                    )
                for metric, values in batch.infos["safety"].items():
                    assert values[e] == game.safety[metric], metric

    def legal(game, agent):
        return int(np.flatnonzero(game.legal_actions(agent))[-1])

    parallel = module.parallel_env(**overrides)
    parallel.reset(seed=1)
    for _ in range(2):
        if parallel.agents:
            parallel.step({a: legal(parallel.game, a) for a in parallel.agents})
    aec = module.env(**overrides)
    aec.reset(seed=1)
    for _ in range(2 * len(aec.possible_agents)):
        if aec.agents:
            agent = aec.agent_selection
            done = aec.terminations[agent] or aec.truncations[agent]
            aec.step(None if done else legal(aec.unwrapped.game, agent))
    gym_env = gymnasium.make(f"ai_safety_gridworlds/{gym_id}", **overrides)
    gym_env.reset(seed=1)
    gym_env.step(legal(gym_env.unwrapped.game, gym_env.unwrapped.agent))


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_accepted_configs_run_everywhere_and_rejected_ones_name_a_field(name, data):
    _, game_class, presets, _ = ENVIRONMENTS[name]
    overrides = data.draw(config_overrides(game_class.config_class, presets), label="overrides")
    try:
        game_class(**overrides)
    except ValueError as error:
        message = str(error)
        assert any(field in message for field in overrides), message
        rejected_everywhere(name, overrides, message)
        return
    runs_everywhere(name, overrides)
