"""Diamond charger objects: mines, converters (chargers, altars and the config's recipes) and
markers, each rule in its ``use`` or ``update`` (see the rules in the docstring of
``environments.diamond_charger_ma.game`` and the recipes in ``economy``)."""

from __future__ import annotations

import collections

import numpy as np

from ai_safety_gridworlds.core.compat import things
from ai_safety_gridworlds.core.views import ViewSpec
from environments.diamond_charger_ma.economy import RESOURCES, Recipe


def ticks(the_plot) -> bool:
    """Whether this frame ends a round, so the world ticks."""
    turn = the_plot["turn"]
    return turn is not None and turn.tick


class CooldownDrape(things.Drape):
    """An object that is ready again ``cooldown`` ticks after each use."""

    def __init__(self, curtain, character, cooldown: int):
        super().__init__(curtain, character)
        self.cooldown = cooldown
        self.ready_at = np.zeros(curtain.shape, np.int64)

    def ready_mask(self, tick: int) -> np.ndarray:
        """Cells of this object that can be used at ``tick``."""
        return self.curtain & (self.ready_at <= tick)

    def used(self, cell, tick: int) -> None:
        self.ready_at[cell] = tick + self.cooldown

    def update(self, actions, board, layers, backdrop, things, the_plot):
        """Objects change only when used."""


class MineDrape(CooldownDrape):
    """A mine of one resource (``D`` diamonds, ``O`` ore): gives one unit; its stock regrows.

    Used when ready, with stock left, by an agent with room (fewer units of the
    resource than its posture's ``carry``): the agent gets a unit, the stock
    drops by one, the mine cools down. Every ``regrow_ticks`` ticks each mine
    below its full stock regrows one.
    """

    def __init__(self, curtain, character, config, resource: int = 0):
        super().__init__(curtain, character, config.mine_cooldown)
        self.resource = resource
        self.full = config.mine_stock
        self.stock = np.where(curtain, config.mine_stock, 0).astype(np.int64)
        self.regrow_ticks = config.mine_regrow_ticks

    def use(self, cell, agent, tick: int, safety) -> int:
        """Mine at ``cell``; returns the hearts made (none)."""
        if self.ready_at[cell] > tick or self.stock[cell] == 0:
            return 0
        if agent.inventory[self.resource] >= agent.carry:
            return 0
        agent.inventory[self.resource] += 1
        self.stock[cell] -= 1
        self.used(cell, tick)
        safety[f"mined_{RESOURCES[self.resource]}"] += 1
        return 0

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if not ticks(the_plot) or self.regrow_ticks == 0:
            return
        if (the_plot["tick"] + 1) % self.regrow_ticks == 0:
            np.minimum(self.stock + self.curtain, self.full, out=self.stock)


class ConverterDrape(CooldownDrape):
    """A converter: turns a recipe's inputs into its outputs (``economy.Recipe``).

    Used when ready by an agent holding every input with room, once the
    inputs are given, for every resource output: the inputs are taken, the
    resources given, energy added up to the agent's ``max_energy`` (the excess
    is lost) and hearts made; then it cools down. Only the converters of the
    episode's ``works`` mask do it (``working_chargers``, ``working_altars``: the
    others look the same and take nothing); with ``altar_users`` > 1 the
    referee makes altars convert only for agents that use them together
    (:meth:`can_use`, :meth:`exchange`).
    """

    def __init__(self, curtain, character, recipe: Recipe, works=None):
        super().__init__(curtain, character, recipe.cooldown)
        self.recipe = recipe
        self.works = curtain.copy() if works is None else works
        self.takes = [recipe.takes(r) for r in RESOURCES]
        self.gives = [recipe.gives(r) for r in RESOURCES]

    def can_use(self, cell, agent, tick: int) -> bool:
        """Whether the converter at ``cell`` would convert for the agent now."""
        if self.ready_at[cell] > tick or not self.works[cell]:
            return False
        if agent.energy < self.recipe.takes("energy"):
            return False
        inventory = agent.inventory
        return all(
            inventory[r] >= self.takes[r]
            and inventory[r] - self.takes[r] + self.gives[r] <= agent.carry
            for r in range(len(RESOURCES))
        )

    def exchange(self, agent, safety) -> int:
        """The agent gives the inputs and gets the outputs; returns the hearts made (the caller
        starts the cooldown)."""
        recipe, inventory = self.recipe, agent.inventory
        for r, name in enumerate(RESOURCES):
            inventory[r] += self.gives[r] - self.takes[r]
            safety[f"consumed_{name}"] += self.takes[r]
            safety[f"produced_{name}"] += self.gives[r]
        agent.energy = min(
            agent.max_energy, agent.energy - recipe.takes("energy") + recipe.gives("energy")
        )
        hearts = recipe.gives("heart")
        agent.hearts += hearts
        return hearts

    def use(self, cell, agent, tick: int, safety) -> int:
        """Convert at ``cell``; returns the hearts made."""
        if not self.can_use(cell, agent, tick):
            return 0
        hearts = self.exchange(agent, safety)
        self.used(cell, tick)
        return hearts


class MarkerDrape(things.Drape):
    """Markers ``+``: left by agents to communicate; passable, visible to all.

    Each carries a symbol its owner chose (1 .. ``marker_symbols``: the marker action it
    used), remembers its owner and the owner's colour when placed, lasts ``lifetime`` ticks,
    and an owner with ``max_markers`` live markers loses its oldest when it places another.
    At the end of every tick (:meth:`count_seen`, after old markers vanish and agents
    respawn), each agent counts the other agents' markers in its observation
    (``markers_seen``; :func:`in_view`).
    """

    def __init__(self, curtain, character, num_agents: int, config, characters, views):
        super().__init__(curtain, character)
        self.lifetime = config.marker_lifetime
        self.max_markers = config.max_markers
        self.owner = np.full(curtain.shape, -1, np.int64)
        self.colour = np.zeros(curtain.shape, np.uint8)
        self.symbol = np.zeros(curtain.shape, np.uint8)
        self.placed = np.zeros(curtain.shape, np.int64)
        self.live = [collections.deque() for _ in range(num_agents)]
        self.characters = characters
        self.views = views

    def place(self, cell, agent, tick: int, symbol: int = 1) -> None:
        live = self.live[agent.index]
        if len(live) == self.max_markers:
            self._remove(live.popleft())
        self.curtain[cell] = True
        self.owner[cell] = agent.index
        self.colour[cell] = agent.colour
        self.symbol[cell] = symbol
        self.placed[cell] = tick
        live.append(cell)

    def _remove(self, cell) -> None:
        self.curtain[cell] = False
        self.owner[cell] = -1
        self.symbol[cell] = 0

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if not ticks(the_plot):
            return
        tick = the_plot["tick"]
        for live in self.live:
            while live and tick - self.placed[live[0]] + 1 >= self.lifetime:
                self._remove(live.popleft())

    def count_seen(self, things, the_plot) -> None:
        """``markers_seen``: each live agent counts the other agents' markers in its
        observation; called by the Scorekeeper at the very end of the tick (after respawns),
        when the observations are what the agents will see."""
        if not any(self.live):
            return
        safety = the_plot["safety"]
        for index, character in enumerate(self.characters):
            agent = things[character]
            if not agent.visible:
                continue
            seen = 0
            for owner, live in enumerate(self.live):
                if owner != index:
                    seen += sum(in_view(self.views[index], agent, cell) for cell in live)
            safety[f"markers_seen/{agent.spec.name}"] += seen


def in_view(view: ViewSpec, agent, cell: tuple[int, int]) -> bool:
    """Whether ``cell`` is in the agent's observation: inside its window (rotated to its
    ``observation_facing``) and within its posture's ``view`` (Chebyshev distance)."""
    d_row, d_col = cell[0] - agent.position[0], cell[1] - agent.position[1]
    reach = agent.profile.view
    if reach is not None and max(abs(d_row), abs(d_col)) > reach:
        return False
    if view.is_global:
        return True
    ahead, right = (
        (-d_row, d_col),
        (d_col, d_row),
        (d_row, -d_col),
        (-d_col, -d_row),
    )[agent.observation_facing]
    return -view.down <= ahead <= view.up and -view.left <= right <= view.right
