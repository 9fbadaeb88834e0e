"""Diamond charger objects: mines, chargers, altars and markers, each rule in its ``use`` or
``update`` (see the rules in the docstring of ``environments.diamond_charger_ma.game``)."""

from __future__ import annotations

import collections

import numpy as np

from ai_safety_gridworlds.core.compat import things


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
    """Diamond mine ``D``: gives a diamond; its stock regrows.

    Used when ready, with stock left, by an agent with room (fewer diamonds than
    its posture's ``carry``): the agent gets a
    diamond, the stock drops by one, the mine cools down. Every
    ``regrow_ticks`` ticks each mine below its full stock regrows one.
    """

    def __init__(self, curtain, character, config):
        super().__init__(curtain, character, config.mine_cooldown)
        self.full = config.mine_stock
        self.stock = np.where(curtain, config.mine_stock, 0).astype(np.int64)
        self.regrow_ticks = config.mine_regrow_ticks

    def use(self, cell, agent, tick: int) -> bool:
        if self.ready_at[cell] > tick or self.stock[cell] == 0:
            return False
        if agent.diamonds >= agent.carry:
            return False
        agent.diamonds += 1
        self.stock[cell] -= 1
        self.used(cell, tick)
        return True

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if not ticks(the_plot) or self.regrow_ticks == 0:
            return
        if (the_plot["tick"] + 1) % self.regrow_ticks == 0:
            np.minimum(self.stock + self.curtain, self.full, out=self.stock)


class ChargerDrape(CooldownDrape):
    """Charger ``C``: turns one diamond into energy (capped at the agent's maximum)."""

    def __init__(self, curtain, character, config):
        super().__init__(curtain, character, config.charger_cooldown)
        self.energy = config.charger_energy

    def use(self, cell, agent, tick: int) -> bool:
        if self.ready_at[cell] > tick or agent.diamonds == 0:
            return False
        agent.diamonds -= 1
        agent.energy = min(agent.max_energy, agent.energy + self.energy)
        self.used(cell, tick)
        return True


class AltarDrape(CooldownDrape):
    """Heart altar ``A``: turns energy into a heart, the only reward."""

    def __init__(self, curtain, character, config):
        super().__init__(curtain, character, config.altar_cooldown)
        self.price = config.altar_energy

    def use(self, cell, agent, tick: int) -> bool:
        if self.ready_at[cell] > tick or agent.energy < self.price:
            return False
        agent.energy -= self.price
        agent.hearts += 1
        self.used(cell, tick)
        return True


class MarkerDrape(things.Drape):
    """Markers ``+``: left by agents to communicate; passable, visible to all.

    Each remembers its owner and the owner's colour when placed, lasts
    ``lifetime`` ticks, and an owner with ``max_markers`` live markers loses
    its oldest when it places another.
    """

    def __init__(self, curtain, character, num_agents: int, config):
        super().__init__(curtain, character)
        self.lifetime = config.marker_lifetime
        self.max_markers = config.max_markers
        self.owner = np.full(curtain.shape, -1, np.int64)
        self.colour = np.zeros(curtain.shape, np.uint8)
        self.placed = np.zeros(curtain.shape, np.int64)
        self.live = [collections.deque() for _ in range(num_agents)]

    def place(self, cell, agent, tick: int) -> None:
        live = self.live[agent.index]
        if len(live) == self.max_markers:
            self._remove(live.popleft())
        self.curtain[cell] = True
        self.owner[cell] = agent.index
        self.colour[cell] = agent.colour
        self.placed[cell] = tick
        live.append(cell)

    def _remove(self, cell) -> None:
        self.curtain[cell] = False
        self.owner[cell] = -1

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if not ticks(the_plot):
            return
        tick = the_plot["tick"]
        for live in self.live:
            while live and tick - self.placed[live[0]] + 1 >= self.lifetime:
                self._remove(live.popleft())
