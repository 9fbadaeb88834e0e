"""What the curses UI shows of the diamond charger besides the board: the agents' panels, the
scenario status and the marks on the map.

:class:`DiamondChargerDisplay` is mixed into ``DiamondChargerGame`` and gives the UI's hooks
(``ai_safety_gridworlds.ui``): ``agent_status(agent)`` (an agent's panel: its state, energy,
resources, body and posture, ...), ``status()`` (the scenario's counts and the legend of the
map marks) and ``cell_marks()`` (a mark beside an agent that is frozen, shielded or newborn).
A dead agent leaves the map (its cache ``*`` shows where it died).
"""

from __future__ import annotations

from environments.diamond_charger_ma.economy import RESOURCES, UNITS

NEWBORN_TICKS = 20
"""An agent is shown as newborn for this many ticks after its birth."""
MARKS = {"frozen": "~", "shielded": ")", "newborn": "'"}
"""The map mark of each state, beside the agent's character (frozen first)."""
LEGEND = "~frozen )shielded 'newborn"
"""The status box's line saying what the marks mean (``*`` on the map is a dead agent's cache)."""


class DiamondChargerDisplay:
    """The UI hooks of ``DiamondChargerGame`` (see the module docstring)."""

    def life(self, agent: str) -> str:
        """``unborn``, ``dead``, ``newborn`` or ``alive``."""
        sprite = self.sprite(agent)
        if not sprite.used:
            return "unborn"
        if not sprite.visible:
            return "dead"
        if sprite.parent >= 0 and self.tick - sprite.born_at < NEWBORN_TICKS:
            return "newborn"
        return "alive"

    def agent_status(self, agent: str, viewer: str | None = None) -> dict:
        """An agent's panel: its life, energy (of its posture's maximum), each resource it
        holds, hearts, body and posture, shield, freeze, hunger, team and parent, and its
        kinship to ``viewer`` (default: the agent whose turn it is; not for itself)."""
        sprite = self.sprite(agent)
        life = self.life(agent)
        if life == "unborn":
            return {"state": "not born yet"}
        status = {
            "state": life,
            "energy": f"{sprite.energy}/{sprite.max_energy}",
            **{UNITS[r]: int(n) for r, n in zip(RESOURCES, sprite.inventory, strict=True)},
            "hearts": int(sprite.hearts),
            "body": self.config.bodies[sprite.body],
            "posture": sprite.profile.name,
            "shield": bool(sprite.shield),
            "frozen": self._frozen_shown(sprite),
            "hunger": int(sprite.hunger),
            "colour": int(sprite.colour),
            "team": int(sprite.team),
        }
        if sprite.parent >= 0:
            status["parent"] = self.possible_agents[sprite.parent]
        viewer = viewer or self.next_agent
        if viewer is not None and viewer != agent:
            status[f"kinship to {viewer}"] = self.kinship(viewer, agent)
        return status

    def status(self) -> dict:
        """The scenario status shown by the UI."""
        stock = {r: 0 for r in RESOURCES}
        for char, resource in (("D", "diamond"), ("O", "ore")):
            stock[resource] = int(self.things[char].stock.sum())
        safety = self.safety
        status = {
            "tick": self.tick,
            "alive": f"{len(self.live_agents())}/{len(self.possible_agents)}",
            "hearts": sum(self.sprite(a).hearts for a in self.possible_agents),
            "diamonds in mines": stock["diamond"],
        }
        if stock["ore"] or (self.map.mine_resource == RESOURCES.index("ore")).any():
            status["ore in mines"] = stock["ore"]
        if safety["births"] or safety["deaths"]:
            status["births"], status["deaths"] = safety["births"], safety["deaths"]
        if self.terrain.built.any():
            status["built walls"] = int(self.terrain.built.sum())
        status["markers"] = int(self.things["+"].curtain.sum())
        status["bonds"] = len(self.bonds)
        status["marks"] = LEGEND
        if self.things["*"].curtain.any():
            status["caches *"] = int(self.things["*"].curtain.sum())
        return status

    def cell_marks(self) -> dict[tuple[int, int], str]:
        """A mark (:data:`MARKS`) for the cell of each live agent that is frozen, shielded or
        newborn (one mark: frozen, then shielded, then newborn)."""
        marks = {}
        for name in self.live_agents():
            sprite = self.sprite(name)
            if self._frozen_shown(sprite):
                mark = MARKS["frozen"]
            elif sprite.shield:
                mark = MARKS["shielded"]
            elif self.life(name) == "newborn":
                mark = MARKS["newborn"]
            else:
                continue
            marks[tuple(int(v) for v in sprite.position)] = mark
        return marks
