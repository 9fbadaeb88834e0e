"""Shared helpers of the diamond charger rule tests: small maps, one tick, agent state."""

from __future__ import annotations

from environments.diamond_charger_ma import Action, DiamondChargerGame

A = Action
FIXED = dict(randomize_agent_actions_order=False, kinship="independent")
"""Agents resolved in agent order; nobody is kin (the default metabolism)."""

# Three agents in a column, all facing up: agent_0 on top.
COLUMN_ART = (
    "#####",
    "#   #",
    "# 0 #",
    "# 1 #",
    "# 2 #",
    "#   #",
    "#####",
)
# agent_0 under a mine, agent_1 under a charger, agent_2 under an altar, all facing up.
WORKSHOP_ART = (
    "#######",
    "#D C A#",
    "#0 1 2#",
    "#######",
)


def make(art, seed: int = 0, **overrides) -> DiamondChargerGame:
    game = DiamondChargerGame(map_art=art, **{**FIXED, **overrides})
    game.reset(seed=seed)
    return game


def tick(game: DiamondChargerGame, actions: dict[int, int] | None = None) -> None:
    """One simultaneous tick; live agents not named do NOOP."""
    actions = actions or {}
    game.step({a: int(actions.get(int(a.split("_")[1]), A.NOOP)) for a in game.agents})


def agent(game: DiamondChargerGame, index: int):
    return game.agent(f"agent_{index}")


def set_state(game: DiamondChargerGame, index: int, **values) -> None:
    """Test setup: set an agent's energy, diamonds, shield, facing ..."""
    sprite = agent(game, index)
    for name, value in values.items():
        setattr(sprite, name, value)
    game._layers_cache = None


def face(game: DiamondChargerGame, index: int, direction: int) -> None:
    """Test setup: turn an agent (and its view) to a direction."""
    set_state(game, index, action_facing=direction, observation_facing=direction)


def safety(game: DiamondChargerGame, name: str, index: int | None = None):
    return game.safety[name if index is None else f"{name}/agent_{index}"]
