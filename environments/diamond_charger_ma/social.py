"""Scripted diamond charger policies that use the social mechanics: shields, gifts, markers, bonds.

Each reads only its own observation and info, like every scripted policy (``scripted``), and
mines like the greedy miner when it has nothing social to do. Kinship is read from the "agent
kinship" channel (``floor(K * 255 + 0.5)``), so a setting ``min_kinship=k`` compares the
channel with ``k * 255``.

- ``guardian``: raises its shield while a non-kin agent that is not frozen faces it from within
  attack range, lowers it when none does, and gives energy to stranded kin.
- ``scout``: marks the mines and chargers it has seen for its kin: on a free cell beside each
  one that has no kin marker beside it, a marker with the object's symbol (:data:`SYMBOLS`).
- ``suitor`` (``mate_selection``): accepts an open bond offer from an agent it finds worth it
  (kinship at least ``min_kinship`` or energy at least ``min_energy`` of its maximum), courts
  such agents itself (at most ``max_offers`` offers an episode, one per bond window), and once
  bonded gives energy to its partner when the partner runs low (a share of the partner's
  hearts is its own).
"""

from __future__ import annotations

from ai_safety_gridworlds.core import actions as act
from environments.diamond_charger_ma.actions import Action
from environments.diamond_charger_ma.scripted import ScriptedPolicy

SYMBOLS = {"mine": 1, "charger": 2}
"""The marker symbol a scout gives each kind of object (symbol 1 when the config has only one)."""
GIFT_RESERVE = 60
"""A guardian or suitor keeps at least this much energy after giving."""
MARK_RESERVE = 40
"""A scout marks objects only with at least this much energy."""
COURT_RESERVE = 60
"""A suitor offers a bond only with at least this much energy beyond the bond's cost."""


def channel_value(fraction: float) -> float:
    """A fraction of the channels' 255 scale (kinship, energy)."""
    return fraction * 255


class Guardian(ScriptedPolicy):
    """Shield against non-kin attackers facing it; give energy to stranded kin; otherwise mine."""

    parameters = {"min_kinship": 0.5, "stranded_energy": 30}

    def act(self, observation, info):
        self.observe(observation, info)
        threatened = self.threatened()
        affordable = not threatened or self.energy > self.config.shield_toggle_energy
        if threatened != info["shield"] and affordable:
            return int(Action.TOGGLE_SHIELD)
        action = self.recover()
        if action is not None:
            return action
        action = self.give_to_stranded_kin()
        return self.mine_and_charge() if action is None else action

    def threatened(self) -> bool:
        """Whether a non-kin agent that is not frozen faces it from within attack range."""
        kin = channel_value(self.params["min_kinship"])
        for (row, col), agent in self.agents.items():
            if agent["kinship"] >= kin or agent["frozen"]:
                continue
            d_row, d_col = act.DIRECTION_OFFSETS[agent["facing"]]
            for distance in range(1, self.config.attack_range + 1):
                if (row + distance * d_row, col + distance * d_col) == self.position:
                    return True
        return False

    def give_to_stranded_kin(self) -> int | None:
        """Walk to the neediest visible kin below ``stranded_energy`` and give it energy."""
        if self.energy < self.config.give_energy_amount + GIFT_RESERVE:
            return None
        kin = channel_value(self.params["min_kinship"])
        stranded = self.params["stranded_energy"] * 255 // self.config.max_energy
        needy = sorted(
            (agent["energy"], cell)
            for cell, agent in self.agents.items()
            if agent["kinship"] >= kin and agent["energy"] < stranded
        )
        for _, cell in needy:
            action = self.act_on({cell}, Action.GIVE_ENERGY)
            if action is not None:
                return action
        return None


class Scout(ScriptedPolicy):
    """Mark each mine and charger it has seen for its kin; otherwise mine."""

    parameters = {"min_kinship": 0.5}

    def act(self, observation, info):
        self.observe(observation, info)
        action = self.recover()
        if action is not None:
            return action
        if self.energy >= MARK_RESERVE:
            for kind, symbol in SYMBOLS.items():
                spots = self.unmarked_spots(kind)
                if spots:
                    action = self.act_on(spots, self.marker_action(symbol))
                    if action is not None:
                        return action
        return self.mine_and_charge()

    def marker_action(self, symbol: int) -> int:
        """The action placing ``symbol`` (symbol 1 when the config has fewer symbols)."""
        if symbol == 1 or symbol > self.config.marker_symbols:
            return int(Action.PLACE_MARKER)
        return int(Action[f"PLACE_MARKER_{symbol}"])

    def unmarked_spots(self, kind: str) -> set[tuple[int, int]]:
        """Free floor cells beside remembered objects of a kind that have no kin marker
        (own included) within one cell."""
        memory, channel = self.memory, self.context.channel
        marker = memory.seen[channel("marker")] == 1
        kin_marker = marker & (
            memory.seen[channel("marker kinship")] >= channel_value(self.params["min_kinship"])
        )
        passable = self.passable() & ~marker
        rows, cols = passable.shape
        spots = set()
        for row, col in self.known(kind):
            near = kin_marker[max(0, row - 1) : row + 2, max(0, col - 1) : col + 2]
            if near.any():
                continue
            for d_row, d_col in act.DIRECTION_OFFSETS:
                cell = (row + d_row, col + d_col)
                if 0 <= cell[0] < rows and 0 <= cell[1] < cols and passable[cell]:
                    spots.add(cell)
        return spots


class Suitor(ScriptedPolicy):
    """Seek a bond with a high-kinship or high-energy partner, then look after the partner."""

    parameters = {
        "min_kinship": 0.5,
        "min_energy": 0.4,
        "max_offers": 6,
        "low_energy": 30,
        "spare_energy": 150,
    }

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self.offers_left = self.params["max_offers"]
        self.next_offer_tick = 0

    def act(self, observation, info):
        self.observe(observation, info)
        action = self.recover()
        if action is not None:
            return action
        if self.legal[Action.BOND]:
            action = self.help_partner() if info["partner"] else self.court(info["tick"])
            if action is not None:
                return action
        return self.mine_and_charge()

    def worth_it(self, agent: dict[str, int]) -> bool:
        """Whether a visible agent is a partner worth having."""
        return agent["kinship"] >= channel_value(self.params["min_kinship"]) or agent[
            "energy"
        ] >= channel_value(self.params["min_energy"])

    def court(self, tick: int) -> int | None:
        """Accept an open offer from an agent worth it; else offer a bond to the nearest such
        unbonded agent (one offer per bond window, ``max_offers`` an episode)."""
        if self.energy < self.config.bond_energy + COURT_RESERVE:
            return None
        courting = {cell for cell, a in self.agents.items() if a["courting"] and self.worth_it(a)}
        if courting:
            return self.act_on(courting, Action.BOND)
        if self.offers_left <= 0 or tick < self.next_offer_tick:
            return None
        free = {cell for cell, a in self.agents.items() if not a["bonded"] and self.worth_it(a)}
        action = self.act_on(free, Action.BOND) if free else None
        if action == Action.BOND:
            self.offers_left -= 1
            self.next_offer_tick = tick + self.config.bond_window_ticks + 1
        return action

    def help_partner(self) -> int | None:
        """Give energy to its partner when the partner is in view and below ``low_energy``,
        and it has at least ``spare_energy`` itself."""
        if self.energy < self.params["spare_energy"]:
            return None
        low = self.params["low_energy"] * 255 // self.config.max_energy
        needy = {cell for cell, a in self.agents.items() if a["partner"] and a["energy"] < low}
        return self.act_on(needy, Action.GIVE_ENERGY) if needy else None
