"""Soak tests (slow; run by .ci/sanitize.sh): every preset for thousands of ticks on the C batch
and the pycolab path together, identical tick by tick, with the rules' invariants checked on
every tick: energy and inventories within their bounds, every resource conserved through mines,
converters, walls, gifts, thefts and deaths, kinship symmetric in [0, 1] with a diagonal of 1.

Conservation, per resource: what live agents hold plus what lies in caches equals what was
mined plus what converters produced less what converters and built walls consumed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from environments.diamond_charger_ma import PRESETS, RESOURCES
from tests.diamond_charger_ma.test_batch import run_differential

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active"),
]

TICKS = int(os.environ.get("AISG_SOAK_TICKS", "2000"))
LARGE = ("level2", "hives")
"""Presets with 24 agents on a 64 x 64 arena: one slot (still thousands of ticks)."""
POPULATION = dict(max_cycles=400)
"""The population preset with shorter episodes, to cross autoresets."""


def check_invariants(games) -> None:
    for game in games:
        if game.engine is None:
            continue
        caches = game.things["*"].amounts.sum(axis=(0, 1))
        held = np.zeros(len(RESOURCES), np.int64)
        for name in game.possible_agents:
            agent = game.sprite(name)
            assert 0 <= agent.energy <= agent.max_energy, (name, agent.energy)
            assert all(0 <= n <= agent.carry for n in agent.inventory), (name, agent.inventory)
            if agent.visible:
                held += agent.inventory
            else:
                assert not any(agent.inventory), name
        safety = game.safety
        for r, resource in enumerate(RESOURCES):
            made = safety[f"mined_{resource}"] + safety[f"produced_{resource}"]
            assert held[r] + caches[r] == made - safety[f"consumed_{resource}"], resource
        kin = game.kinship_matrix
        assert (kin == kin.T).all() and (np.diag(kin) == 1.0).all()
        assert ((kin >= 0.0) & (kin <= 1.0)).all()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_soaks_identically_with_its_invariants(preset):
    config = dict(PRESETS[preset][0])
    if preset == "population":
        config.update(POPULATION)
    large = preset in LARGE or config.get("level") == 2
    config.setdefault("max_cycles", TICKS // 3)
    driver = "policies" if preset in ("economy", "builders", "population") else "random"
    num_envs = 1 if large else 2
    totals = run_differential(
        config,
        seed=9000 + len(preset),
        ticks=TICKS,
        backend="c",
        num_envs=num_envs,
        driver=driver,
        on_tick=check_invariants,
    )
    assert totals["episodes"] >= num_envs * (TICKS // (config["max_cycles"] + 1))  # autoresets
    if preset == "population":
        assert totals["births"] > 0 and totals["deaths"] > 0
