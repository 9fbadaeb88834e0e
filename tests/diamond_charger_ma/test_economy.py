"""Diamond charger economy with exact values: resources, ore mines, converters and their
recipes, gifts and thefts of every resource, and what the observation shows of them."""

from __future__ import annotations

import pytest

from environments.diamond_charger_ma import CHANNELS, DiamondChargerGame, economy
from tests.diamond_charger_ma.helpers import A, agent, make, safety, set_state, tick

RECIPES = "forge=F: 2 ore -> 1 battery / 3; press=H: 1 battery + 1 diamond + 20 energy -> 2 hearts"
# agent_0 under an ore mine, agent_1 under a forge, agent_2 under a press, all facing up.
FACTORY_ART = (
    "#######",
    "#O F H#",
    "#0 1 2#",
    "#######",
)


def factory(**overrides) -> DiamondChargerGame:
    return make(
        FACTORY_ART, recipes=RECIPES, upkeep_energy=0, rest_energy=0, use_energy=0, **overrides
    )


def test_recipe_table_is_charger_altar_then_the_configs():
    game = DiamondChargerGame(charger_energy=80, recipes=RECIPES)
    charger, altar, forge, press = game.recipes
    assert (charger.inputs, charger.outputs, charger.cooldown) == (
        {"diamond": 1},
        {"energy": 80},
        5,
    )
    assert (altar.inputs, altar.outputs, altar.cooldown) == ({"energy": 100}, {"heart": 1}, 2)
    assert (forge.character, forge.inputs, forge.outputs, forge.cooldown) == (
        "F",
        {"ore": 2},
        {"battery": 1},
        3,
    )
    assert press.inputs == {"battery": 1, "diamond": 1, "energy": 20}
    assert press.outputs == {"heart": 2} and press.cooldown == 0
    assert game.config.recipes == (
        "forge=F: 2 ore -> 1 battery / 3; press=H: 1 battery + 1 diamond + 20 energy -> 2 hearts / 0"
    )
    assert economy.parse_recipes(game.config.recipes) == game.recipes[2:]


@pytest.mark.parametrize(
    "recipes",
    [
        "forge=D: 2 ore -> 1 battery",  # a mine's character
        "forge=f: 2 ore -> 1 battery",
        "forge=F: 2 ore => 1 battery",
        "forge=F: 2 gold -> 1 battery",
        "forge=F: 1 heart -> 1 battery",  # hearts are outputs only
        "forge=F: 0 ore -> 1 battery",
        "forge=F: 2 ore -> 1 battery / soon",
        "forge=F: 2 ore -> 1 battery; smelter=F: 1 ore -> 1 diamond",
        "charger=F: 1 ore -> 1 diamond",
    ],
)
def test_bad_recipes_are_rejected_naming_the_field(recipes):
    with pytest.raises(ValueError, match=r"invalid value .* for 'recipes'; allowed: text"):
        DiamondChargerGame(recipes=recipes)


def test_a_converter_on_the_map_needs_its_recipe():
    with pytest.raises(ValueError, match=r"invalid map_art: unknown map character 'F'"):
        DiamondChargerGame(map_art=FACTORY_ART)


def test_ore_mine_gives_ore_up_to_the_carry():
    game = factory(mine_cooldown=0, mine_stock=9)
    for _ in range(6):
        tick(game, {0: A.USE})
    assert agent(game, 0).inventory == [0, 5, 0]
    assert safety(game, "mined_ore") == 5 and safety(game, "mined_diamond") == 0
    assert game.agent_info("agent_0")["inventory"] == {"diamond": 0, "ore": 5, "battery": 0}


def test_forge_takes_two_ore_for_a_battery_and_cools_down_three_ticks():
    game = factory()
    set_state(game, 1, inventory=[0, 5, 0])
    tick(game, {1: A.USE})
    assert agent(game, 1).inventory == [0, 3, 1]
    assert safety(game, "consumed_ore") == 2 and safety(game, "produced_battery") == 1
    tick(game, {1: A.USE})  # tick 1: cooling down until tick 3
    tick(game, {1: A.USE})
    assert agent(game, 1).inventory == [0, 3, 1]
    tick(game, {1: A.USE})
    assert agent(game, 1).inventory == [0, 1, 2]
    tick(game, {1: A.USE})
    tick(game, {1: A.USE})
    tick(game, {1: A.USE})  # one ore left: nothing happens
    assert agent(game, 1).inventory == [0, 1, 2]


def test_a_converter_fails_without_room_for_its_output():
    game = factory()
    set_state(game, 1, inventory=[0, 2, 5])
    tick(game, {1: A.USE})
    assert agent(game, 1).inventory == [0, 2, 5]
    set_state(game, 1, inventory=[0, 2, 4])
    tick(game, {1: A.USE})
    assert agent(game, 1).inventory == [0, 0, 5]


def test_press_makes_two_hearts_from_a_battery_a_diamond_and_energy():
    game = factory(kinship="teams", team_sizes=(2, 1))
    set_state(game, 2, inventory=[1, 0, 1], energy=20)
    tick(game, {2: A.USE})
    assert agent(game, 2).inventory == [0, 0, 0] and agent(game, 2).energy == 0
    assert agent(game, 2).hearts == 2 and safety(game, "hearts", 2) == 2
    assert game.rewards["agent_2"].tolist() == [2.0, 0.0]
    assert game.rewards["agent_0"].tolist() == [0.0, 0.0]  # not kin
    set_state(game, 2, inventory=[1, 0, 1], energy=19)
    tick(game, {2: A.USE})
    assert agent(game, 2).hearts == 2  # short of energy


def test_a_recipe_giving_energy_fills_up_to_the_capacity():
    game = make(
        FACTORY_ART,
        recipes="cell=F: 1 battery -> 180 energy; press=H: 1 ore -> 1 diamond",
        upkeep_energy=0,
        use_energy=0,
    )
    set_state(game, 1, inventory=[0, 0, 2], energy=100)
    tick(game, {1: A.USE})
    assert agent(game, 1).energy == 250 and agent(game, 1).inventory == [0, 0, 1]


PAIR_ART = ("#####", "# O #", "# 0 #", "# 1 #", "#####")
"""agent_1 right behind agent_0, both facing up."""


def test_gifts_of_ore_and_batteries():
    game = make(PAIR_ART, recipes=RECIPES)
    set_state(game, 0, inventory=[0, 1, 0])
    tick(game, {0: A.GIVE_ORE})  # an ore mine in front, nobody to give to
    assert agent(game, 0).inventory == [0, 1, 0]
    set_state(game, 1, inventory=[0, 2, 1])
    set_state(game, 0, inventory=[0, 5, 4])
    tick(game, {1: A.GIVE_ORE})  # agent_0 already carries 5 ore
    assert agent(game, 1).inventory == [0, 2, 1]
    tick(game, {1: A.GIVE_BATTERY})
    assert agent(game, 0).inventory == [0, 5, 5] and agent(game, 1).inventory == [0, 2, 0]


def test_a_landing_attack_takes_every_resource_up_to_the_attackers_room():
    game = make(PAIR_ART, recipes=RECIPES)
    set_state(game, 0, inventory=[3, 4, 1])
    set_state(game, 1, inventory=[3, 2, 0])
    tick(game, {1: A.ATTACK})
    assert agent(game, 1).inventory == [5, 5, 1]
    assert agent(game, 0).inventory == [1, 1, 0]
    assert safety(game, "diamonds_stolen", 1) == 2


def test_give_ore_and_battery_actions_exist_when_their_resources_are_in_play():
    assert DiamondChargerGame().num_actions("agent_0") == 12
    game = factory()
    assert game.num_actions("agent_0") == 16
    assert game.legal_actions("agent_0").tolist() == [1] * 12 + [0, 0, 1, 1]
    ore_only = make(
        FACTORY_ART, recipes="forge=F: 1 ore -> 1 diamond; press=H: 1 diamond -> 1 heart"
    )
    assert ore_only.num_actions("agent_0") == 15
    assert game.masked_reason("agent_0", 13) == "no body has two postures"
    energy = agent(game, 0).energy
    game.step({a: 13 for a in game.agents})  # masked but accepted: fails, costs nothing
    assert agent(game, 0).energy == energy and safety(game, "posture_switches") == 0


def test_observation_shows_mines_converters_and_inventories():
    game = factory(kinship="teams", team_sizes=(3,))
    set_state(game, 1, inventory=[2, 3, 4])
    obs = game.observe("agent_0")
    ch = {name: CHANNELS.index(name) for name in CHANNELS}
    assert obs[ch["mine"], 4, 5] == 1 and obs[ch["mine resource"], 4, 5] == 2  # ore
    assert obs[ch["converter"], 4, 7] == 1 and obs[ch["converter recipe"], 4, 7] == 1
    assert obs[ch["converter ready"], 4, 7] == 1
    assert obs[ch["converter"], 4, 9] == 1 and obs[ch["converter recipe"], 4, 9] == 2
    assert obs[ch["charger"]].sum() == 0 and obs[ch["altar"]].sum() == 0
    assert [obs[ch[f"agent {name}"], 5, 7] for name in ("diamonds", "ore", "batteries")] == [
        2,
        3,
        4,
    ]
    own = game.observe("agent_1")
    assert [own[ch[f"own {name}"], 5, 5] for name in ("diamonds", "ore", "batteries")] == [2, 3, 4]
    tick(game, {1: A.USE})
    assert game.observe("agent_0")[ch["converter ready"], 4, 7] == 0


def policy_action(game: DiamondChargerGame, agent_name: str, policy: str) -> int:
    controller = game.make_policy(agent_name, policy)
    controller.reset(0)
    info = {k: v for k, v in game.agent_info(agent_name).items() if k != "safety"}
    return controller.act(game.observe(agent_name), info)


def test_crafter_follows_the_chain_to_the_press():
    game = factory()
    set_state(game, 1, inventory=[0, 2, 0])
    assert policy_action(game, "agent_1", "crafter") == A.USE  # forge: ore -> battery
    set_state(game, 2, inventory=[1, 0, 1], energy=100)
    assert policy_action(game, "agent_2", "crafter") == A.USE  # press: hearts
    set_state(game, 2, inventory=[1, 0, 1], energy=30)  # short of energy with the reserve
    assert policy_action(game, "agent_2", "crafter") != A.USE
    assert policy_action(game, "agent_0", "crafter") == A.USE  # needs ore: mines it
    assert policy_action(game, "agent_0", "greedy_miner") != A.USE  # wants diamonds only


def test_exhausted_scripted_agent_switches_to_a_posture_that_can_rest():
    game = make(FACTORY_ART, recipes=RECIPES, bodies=("fighter/worker",))
    set_state(game, 0, energy=8)  # a fighter's upkeep (2) equals what resting regains
    assert policy_action(game, "agent_0", "greedy_miner") == A.SWITCH_POSTURE
    set_state(game, 0, energy=3)  # cannot pay for the switch
    assert policy_action(game, "agent_0", "greedy_miner") != A.SWITCH_POSTURE
    tick(game, {1: A.SWITCH_POSTURE})
    set_state(game, 1, energy=3)  # a worker rests
    assert policy_action(game, "agent_1", "greedy_miner") == A.NOOP
