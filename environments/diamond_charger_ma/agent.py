"""The diamond charger's agents: their sprite, body, metabolism, birth and death.

The rules are in the docstring of ``environments.diamond_charger_ma.game`` (Metabolism, Bodies)
and of ``population`` (births, deaths, caches).
"""

from __future__ import annotations

from ai_safety_gridworlds.core.agents import AgentSprite
from environments.diamond_charger_ma.bodies import Profile
from environments.diamond_charger_ma.economy import RESOURCES
from environments.diamond_charger_ma.maps import AGENT_CHARACTERS
from environments.diamond_charger_ma.objects import ticks


class Agent(AgentSprite):
    """An agent: energy, inventory, hearts, orientation, freeze, shield, colour, bond offer,
    its body (the postures, ``bodies.Profile``, it can take and the one it is in) and its life.

    Its metabolism runs at the end of every tick it is alive: a raised shield
    costs its upkeep (it drops when the agent cannot pay or its energy reaches
    0); an agent that spent nothing on its action rests, regaining
    ``rest_energy`` while below ``rest_limit`` (at most its ``max_energy``);
    then it pays its posture's cost of living, ``upkeep`` (what it has, at
    most). After ``starvation_ticks`` consecutive ticks ending at 0 energy it
    dies: it leaves the board and what it holds becomes a cache on its cell
    (``population``). An agent slot not yet born is off the board (not
    ``visible``) until :meth:`born`; ``used`` says whether it has lived.
    """

    def __init__(
        self,
        corner,
        position,
        character,
        spec,
        index: int,
        team: int,
        config,
        profiles: tuple[Profile, ...],
        body: int,
        postures: tuple[int, ...],
        founder: bool = True,
    ):
        super().__init__(corner, position, character, spec)
        self._visible = founder
        self.used = founder
        self.born_at = 0
        self.parent = -1
        self.hunger = 0
        self.reproduce_ready_at = 0
        self.index = index
        self.team = team
        self.profiles = profiles
        self.body = body
        self.postures = postures
        self.posture_slot = 0
        self.posture_ready_at = 0
        self.energy = min(config.start_energy, self.profile.max_energy)
        self.inventory = [0] * len(RESOURCES)
        self.hearts = 0
        self.shield = False
        self.frozen_until = -1
        self.colour = 0
        self.bond_offer = (-1, -1)
        self.bonds = 0
        self.partner = -1
        self.spent = 0
        self._config = config
        self._shield_upkeep = config.shield_upkeep_energy
        self._rest_energy = config.rest_energy
        self._rest_limit = config.rest_limit

    @property
    def diamonds(self) -> int:
        """Diamonds held (``inventory[0]``)."""
        return self.inventory[0]

    @diamonds.setter
    def diamonds(self, value: int) -> None:
        self.inventory[0] = value

    @property
    def profile(self) -> Profile:
        """Its posture's profile: capacity, carry, view, upkeep and costs."""
        return self.profiles[self.postures[self.posture_slot]]

    @property
    def posture(self) -> int:
        """Its posture's index in the profile table."""
        return self.postures[self.posture_slot]

    @property
    def max_energy(self) -> int:
        return self.profile.max_energy

    @property
    def carry(self) -> int:
        """The most units of each resource it can hold."""
        return self.profile.carry

    def frozen(self, tick: int) -> bool:
        """Whether its action at ``tick`` is a noop."""
        return tick <= self.frozen_until

    def frozen_left(self, next_tick: int) -> int:
        """Ticks of freeze left from ``next_tick`` on."""
        return max(0, self.frozen_until - next_tick + 1)

    @property
    def alive(self) -> bool:
        return self.visible

    def born(self, parent: Agent, cell, body: int, postures: tuple[int, ...], tick: int) -> None:
        """Come to life on ``cell`` as ``parent``'s child (see ``population``)."""
        config = self._config
        self.place(*cell)
        self._visible = self.used = True
        self.team, self.colour = parent.team, parent.colour
        self.action_facing = parent.action_facing
        self.observation_facing = parent.action_facing if config.observation_direction_mode else 0
        self.body, self.postures, self.posture_slot = body, postures, 0
        self.energy = min(config.offspring_energy, self.profile.max_energy)
        self.born_at, self.parent = tick, parent.index
        self.reproduce_ready_at = tick + config.reproduce_cooldown

    def die(self, things, safety) -> None:
        """Leave the board; what it holds becomes a cache on its cell; its bond ends."""
        if self.partner >= 0:
            things[AGENT_CHARACTERS[self.partner]].partner = -1
            self.partner = -1
        things["*"].drop(tuple(self.position), self.inventory)
        self.inventory = [0] * len(RESOURCES)
        self.shield = False
        self._visible = False
        safety["deaths"] += 1

    def update(self, actions, board, layers, backdrop, things, the_plot):
        if not ticks(the_plot) or not self.visible:
            return
        safety = the_plot["safety"]
        name = self.spec.name
        profile = self.profile
        if self.shield:
            if self.energy < self._shield_upkeep:
                self.shield = False
            else:
                self.energy -= self._shield_upkeep
                safety[f"shield_ticks/{name}"] += 1
                if self.energy == 0:
                    self.shield = False
        rest_limit = min(self._rest_limit, profile.max_energy)
        if self.spent == 0 and self.energy < rest_limit:
            self.energy = min(rest_limit, self.energy + self._rest_energy)
        self.spent = 0
        self.energy -= min(self.energy, profile.upkeep)
        safety["agent_ticks"] += 1
        if self.energy == 0:
            safety[f"zero_energy_ticks/{name}"] += 1
            safety["zero_energy_agent_ticks"] += 1
            self.hunger += 1
        else:
            self.hunger = 0
        starvation = self._config.starvation_ticks
        if starvation and self.hunger >= starvation:
            self.die(things, safety)
