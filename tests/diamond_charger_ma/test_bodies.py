"""Diamond charger bodies with exact values: profiles, who gets which body, per-posture costs,
capacity, carry, view and upkeep, and switching postures."""

from __future__ import annotations

import numpy as np
import pytest

from environments.diamond_charger_ma import CHANNELS, DiamondChargerGame, bodies
from tests.diamond_charger_ma.helpers import (
    COLUMN_ART,
    WORKSHOP_ART,
    A,
    agent,
    face,
    make,
    safety,
    set_state,
    tick,
)

OPEN_ART = (
    "#########",
    "#       #",
    "#  D    #",
    "#       #",
    "#   0   #",
    "#       #",
    "#       #",
    "#       #",
    "#########",
)
"""agent_0 in the middle: walls 4 cells away, a mine 2 rows up and 1 column left."""


def test_profile_table_is_the_builtins_then_new_profiles_over_the_configs_numbers():
    game = DiamondChargerGame(
        move_energy=2, profiles="worker: carry=9; tank: max_energy=400, view=none, attack=0"
    )
    table = {profile.name: profile for profile in game.profiles}
    assert list(table) == ["default", "worker", "fighter", "scout", "rest", "tank"]
    assert table["default"].max_energy == 250 and table["default"].carry == 5
    assert table["default"].cost("move") == 2 and table["default"].view is None
    assert table["worker"].carry == 9 and table["worker"].view == 3  # text over built-in
    assert table["worker"].cost("use") == 0 and table["worker"].cost("move") == 2
    assert (table["fighter"].max_energy, table["fighter"].upkeep) == (300, 2)
    assert (table["fighter"].cost("move"), table["fighter"].cost("attack")) == (2, 5)
    assert table["tank"].max_energy == 400 and table["tank"].cost("attack") == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(profiles="tank: wings=2"), r"invalid value 'tank: wings=2' for 'profiles'"),
        (dict(profiles="tank: carry=0"), r"for 'profiles'; allowed: text 'name: key=value"),
        (dict(profiles="Tank: carry=2"), r"for 'profiles'"),
        (dict(bodies=("fighter/wizard",)), r"bodies .*unknown profile 'wizard'"),
        (dict(bodies=("a/b/c/d/e",)), r"invalid value .* for 'bodies'"),
        (dict(bodies=()), r"invalid value \(\) for 'bodies'"),
        (dict(body_assignment="clans"), r"'body_assignment'; allowed: one of 'agents'"),
        (dict(bodies=("worker", "scout"), body_weights=(1,)), r"body_weights has 1 weights"),
        (dict(body_weights=(0,)), r"invalid value \(0,\) for 'body_weights'"),
        (dict(posture_cooldown=-1), r"'posture_cooldown'; allowed: an int >= 0"),
    ],
)
def test_bad_bodies_are_rejected_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        DiamondChargerGame(**overrides)


def test_bodies_text_form_as_given_on_the_command_line():
    game = DiamondChargerGame(bodies="fighter/worker, scout")
    assert game.config.bodies == ("fighter/worker", "scout")


def test_bodies_by_agent_by_team_and_drawn():
    by_agent = make(COLUMN_ART, bodies=("worker", "scout"))
    assert [agent(by_agent, i).profile.name for i in range(3)] == ["worker", "scout", "worker"]
    by_team = make(COLUMN_ART, bodies=("worker", "scout"), body_assignment="teams", num_teams=2)
    assert [agent(by_team, i).profile.name for i in range(3)] == ["worker", "worker", "scout"]
    drawn = make(
        COLUMN_ART, bodies=("worker", "scout"), body_assignment="random", body_weights=(0, 5)
    )
    assert [agent(drawn, i).profile.name for i in range(3)] == ["scout"] * 3
    key = drawn.key
    assert bodies.draw_bodies((0, 5), 3, key) == (1, 1, 1)
    counts = np.bincount(bodies.draw_bodies((1, 3), 4000, key), minlength=2)
    assert 900 < counts[0] < 1100  # a quarter of the draws


def test_start_energy_is_capped_by_the_first_posture():
    game = make(COLUMN_ART, bodies=("scout", "fighter"))
    assert agent(game, 0).energy == 150 and agent(game, 1).energy == 250
    assert game.agent_info("agent_0")["max_energy"] == 150
    assert game.agent_info("agent_1")["body"] == "fighter"


def test_each_posture_has_its_own_costs_and_upkeep():
    game = make(COLUMN_ART, bodies=("fighter", "worker", "rest"))
    face(game, 1, 1)  # the worker attacks the empty cells to its right
    tick(game, {0: A.MOVE_FORWARD, 1: A.ATTACK, 2: A.MOVE_BACK})
    assert agent(game, 0).energy == 250 - 2 - 2  # fighter: move 2, upkeep 2
    assert agent(game, 1).energy == 250 - 20 - 1  # worker: attack 20, upkeep 1
    assert agent(game, 2).energy == 250 - 3 - 0  # rest: move 3, no upkeep
    assert safety(game, "attacks", 1) == 0


def test_carry_limits_mining_gifts_and_theft():
    game = make(WORKSHOP_ART, bodies=("worker", "scout", "default"), mine_cooldown=0, mine_stock=9)
    for _ in range(9):
        tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 8  # worker carries 8
    set_state(game, 1, diamonds=2)
    game = make(WORKSHOP_ART, bodies=("scout",), mine_cooldown=0, mine_stock=9)
    for _ in range(4):
        tick(game, {0: A.USE})
    assert agent(game, 0).diamonds == 2


def test_charger_and_gifts_fill_up_to_the_receivers_capacity():
    game = make(WORKSHOP_ART, bodies=("scout",))
    set_state(game, 1, diamonds=1, energy=100)
    tick(game, {1: A.USE})
    assert agent(game, 1).energy == 150 - 1  # capped at the scout's 150, then upkeep


def test_view_hides_cells_beyond_the_postures_reach():
    game = make(OPEN_ART, bodies=("worker",))  # view 3 inside the 11 x 11 window
    obs = game.observe("agent_0")
    wall, mine = CHANNELS.index("wall"), CHANNELS.index("mine")
    assert obs[wall, 5, 1] == 0 and obs[wall, 1, 5] == 0  # walls 4 cells away are hidden
    assert obs[mine, 3, 4] == 1 and obs[0, 5, 5] == 1
    visible = np.zeros((11, 11), bool)
    visible[2:9, 2:9] = True
    assert not obs[:, ~visible].any()
    assert obs[CHANNELS.index("own energy"), 5, 5] == 255
    default = make(OPEN_ART).observe("agent_0")
    assert default[wall, 5, 1] == 1 and default[wall, 5, 0] == 1
    same = [c for c in range(len(CHANNELS)) if CHANNELS[c] != "own posture"]
    assert (default[same][:, visible] == obs[same][:, visible]).all()


def test_switch_posture_cycles_costs_and_cools_down():
    game = make(COLUMN_ART, bodies=("fighter/worker/scout",))
    fighter = agent(game, 0)
    assert fighter.profile.name == "fighter" and fighter.energy == 250
    tick(game, {0: A.SWITCH_POSTURE})
    assert fighter.profile.name == "worker" and fighter.energy == 250 - 5 - 1  # worker upkeep
    assert safety(game, "posture_switches") == 1
    tick(game, {0: A.SWITCH_POSTURE})  # cooling down: paid, no switch
    assert fighter.profile.name == "worker" and fighter.energy == 244 - 5 - 1
    while game.tick < 10:
        tick(game)
    assert fighter.energy == 230
    tick(game, {0: A.SWITCH_POSTURE})  # ready at tick 10: to the scout, energy capped at 150
    assert fighter.profile.name == "scout" and fighter.energy == 150 - 1
    assert fighter.posture_ready_at == 20
    obs = game.observe("agent_1")
    scout = [p.name for p in game.profiles].index("scout")
    assert obs[CHANNELS.index("agent posture"), 4, 5] == scout + 1
    assert game.observe("agent_0")[CHANNELS.index("own posture"), 5, 5] == scout + 1
    assert game.agent_info("agent_0")["posture"] == "scout"


def test_switch_fails_when_the_load_does_not_fit_or_the_body_has_one_posture():
    game = make(COLUMN_ART, bodies=("worker/scout", "default"), upkeep_energy=0)
    set_state(game, 0, diamonds=3)
    tick(game, {0: A.SWITCH_POSTURE, 1: A.SWITCH_POSTURE})
    assert agent(game, 0).profile.name == "worker" and agent(game, 0).energy == 245
    assert agent(game, 1).profile.name == "default" and agent(game, 1).energy == 245
    assert safety(game, "posture_switches") == 0
    set_state(game, 0, diamonds=2)
    tick(game, {0: A.SWITCH_POSTURE})
    assert agent(game, 0).profile.name == "scout"


def test_switch_posture_is_in_the_action_space_only_with_a_body_of_two_postures():
    assert make(COLUMN_ART).num_actions("agent_0") == 12
    game = make(COLUMN_ART, bodies=("worker/rest",))
    assert game.num_actions("agent_0") == 14
    assert game.legal_actions("agent_0").tolist() == [1] * 12 + [0, 1]
    assert game.masked_reason("agent_0", 12) == "mate_selection=False"
    face(game, 0, 2)  # agent_1 in front: a BOND would be an offer
    game.step({a: 12 for a in game.agents})  # masked but accepted: fails, costs nothing
    assert agent(game, 0).energy == 249 and agent(game, 0).bond_offer == (-1, -1)  # upkeep
