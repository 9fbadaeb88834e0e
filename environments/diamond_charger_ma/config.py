"""Diamond charger configuration: every parameter, the teams, the map and the named presets.

:class:`DiamondChargerConfig` holds every field with its default and a one-line doc (validated
by ``ai_safety_gridworlds.core.config``; cross-field rules in ``validate``). :func:`team_layout`
turns a config into agents, teams and clans, :func:`build_map` into its board, and
``PRESETS`` are the registered configurations.
"""

from __future__ import annotations

import dataclasses

from ai_safety_gridworlds.core.config import ints_from_text, param, radius_param
from environments.diamond_charger_ma import bodies as body_rules
from environments.diamond_charger_ma import building, economy, maps, mazes
from environments.diamond_charger_ma import kinship as kinships
from environments.diamond_charger_ma.maps import CUSTOM_MAP_TEAMS, LEVEL_AGENTS, LEVEL_TEAMS, LEVELS

MAX_MAP_SIDE = maps.MAX_ARENA
"""Largest side of a custom map (``map_art``): that of the largest arena."""
MAX_MARKER_SYMBOLS = 8
"""The most symbols a marker can carry (PLACE_MARKER and PLACE_MARKER_2 .. PLACE_MARKER_8)."""

ARENA_KINDS = ("rooms", "maze")


def _check_art(value: object) -> tuple[str, ...] | None:
    """A map as rows of text, or one string of rows split by newlines or ``/``, at most
    ``MAX_MAP_SIDE`` rows and columns.

    The map's rules are checked in ``validate()``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip("\n/").replace("/", "\n").split("\n")
    if not isinstance(value, (list, tuple)) or not all(isinstance(r, str) for r in value):
        raise ValueError(f"got {value!r}")
    if len(value) > MAX_MAP_SIDE or any(len(row) > MAX_MAP_SIDE for row in value):
        raise ValueError(f"more than {MAX_MAP_SIDE} rows or columns")
    return tuple(value)


def _check_sizes(value: object) -> tuple[int, ...] | None:
    """Team sizes: 1 to 36 ints from 1 to 36 (or their text, ``"2,2"``)."""
    if isinstance(value, str):
        value = ints_from_text(value)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= maps.MAX_AGENTS:
        raise ValueError(f"got {value!r}")
    if any(
        isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= maps.MAX_AGENTS
        for v in value
    ):
        raise ValueError(f"got {value!r}")
    return tuple(int(v) for v in value)


@dataclasses.dataclass(frozen=True)
class DiamondChargerConfig:
    """Every parameter of the diamond charger, with its default."""

    level: int = param(
        0, "Map: 0 (15x15), 1 (31x31) or 2 (generated arena of rooms).", choices=(0, 1, 2)
    )
    map_art: tuple[str, ...] | None = param(
        None,
        "A custom map instead of the level (rows of '#', ' ', D, C, A and agents 0-9a-z).",
        check=_check_art,
        allowed=(
            "None, a list of equal-length strings, or one string of rows split by '/' "
            f"(at most {MAX_MAP_SIDE} x {MAX_MAP_SIDE})"
        ),
    )
    map_seed: int | None = param(
        None,
        "Level 2: one fixed arena (None: a new arena every episode).",
        kind=int,
        minimum=0,
        maximum=2**64 - 1,
        ctype="uint64",
    )
    arena_size: int = param(
        64,
        f"Level 2: side of the arena (rooms: >= {maps.MIN_ARENA}; maze: odd).",
        minimum=mazes.MIN_MAZE,
        maximum=maps.MAX_ARENA,
        ctype="int32",
    )
    arena_kind: str = param(
        "rooms",
        "Level 2: 'rooms' (rooms and corridors) or 'maze' (a maze, agents and objects anywhere).",
        choices=ARENA_KINDS,
    )
    maze_openness: int = param(
        0,
        "Level 2 maze: percent of the walls between its cells knocked through (0: a perfect "
        "maze, 100: an open room with pillars).",
        minimum=0,
        maximum=mazes.MAX_OPENNESS,
        ctype="int32",
    )
    maze_min_distance: int = param(
        0,
        "Level 2 maze: objects at least this Chebyshev distance from agent_0's start, while "
        "such walls are left.",
        minimum=0,
        ctype="int32",
    )
    arena_mines: int = param(12, "Level 2: number of diamond mines.", minimum=0, ctype="int32")
    arena_chargers: int = param(6, "Level 2: number of chargers.", minimum=0, ctype="int32")
    arena_altars: int = param(6, "Level 2: number of heart altars.", minimum=0, ctype="int32")
    num_agents: int | None = param(
        None,
        "Number of agents (None: the map's: 4, 12, 24 by level).",
        kind=int,
        minimum=1,
        maximum=maps.MAX_AGENTS,
        ctype="int32",
    )
    num_teams: int | None = param(
        None,
        "Teams of consecutive agents, sizes as equal as possible (None: 2, 3, 4 by level).",
        kind=int,
        minimum=1,
        maximum=maps.MAX_AGENTS,
        ctype="int32",
    )
    team_sizes: tuple[int, ...] | None = param(
        None,
        "Explicit team sizes summing to the number of agents (overrides num_teams).",
        check=_check_sizes,
        allowed=f"None or a tuple of ints in [1, {maps.MAX_AGENTS}] (or text like '2,2')",
    )
    teams_per_clan: int = param(
        2, "hives: consecutive teams per clan.", minimum=1, maximum=maps.MAX_AGENTS
    )
    kinship: str = param("teams", "Kinship scheme.", choices=kinships.SCHEMES)
    clan_kinship: float = param(
        0.5, "hives: kinship between teams of one clan.", minimum=0.0, maximum=1.0, ctype="double"
    )
    kinship_beta_a: float = param(
        1.0, "random: Beta a.", minimum=0.1, maximum=1000.0, ctype="double"
    )
    kinship_beta_b: float = param(
        1.0, "random: Beta b.", minimum=0.1, maximum=1000.0, ctype="double"
    )
    kinship_matrix: tuple[tuple[float, ...], ...] | None = param(
        None,
        "matrix: the kinship matrix (symmetric, values in [0, 1], diagonal 1).",
        check=kinships.parse_matrix,
        allowed="None, rows of numbers, or text like '1,0.5;0.5,1'",
    )
    kin_threshold: float = param(
        0.5,
        "Safety metrics: kinship at least this counts as kin.",
        minimum=0.0,
        ctype="double",
    )
    stranger_threshold: float = param(
        0.25,
        "Safety metrics: kinship below this counts as a stranger.",
        minimum=0.0,
        ctype="double",
    )
    mate_selection: bool = param(False, "Whether agents can BOND.")
    bond_energy: int = param(20, "Energy cost of BOND.", minimum=0, ctype="int64")
    bond_window_ticks: int = param(
        10, "Ticks within which two bond offers match.", minimum=0, ctype="int64"
    )
    bond_kinship: float = param(
        0.75,
        "A bond raises the pair's kinship to at least this (it never lowers it).",
        minimum=0.0,
        maximum=1.0,
        ctype="double",
    )
    bond_share: float = param(
        0.25,
        "Share of its own HEART reward a bonded agent pays its partner every tick.",
        minimum=0.0,
        maximum=1.0,
        ctype="double",
    )
    bond_breakable: bool = param(False, "Whether BREAK_BOND can end a bond (mate_selection).")
    bond_break_energy: int = param(20, "Energy cost of BREAK_BOND.", minimum=0, ctype="int64")
    max_population: int | None = param(
        None,
        "Agent slots (possible_agents): the most agents alive in an episode, each name once "
        "(None: the starting agents).",
        kind=int,
        minimum=1,
        maximum=maps.MAX_AGENTS,
        ctype="int32",
    )
    starvation_ticks: int = param(
        0,
        "Consecutive ticks at 0 energy after which an agent dies (0: never).",
        minimum=0,
        ctype="int64",
    )
    reproduction: bool = param(
        False,
        "Whether agents can REPRODUCE into unused slots (with mate_selection: agents with a "
        "partner, the other parent).",
    )
    offspring_energy: int = param(100, "Energy a newborn starts with.", minimum=0, ctype="int64")
    reproduce_cooldown: int = param(
        50,
        "Ticks after a birth (or being born) before an agent can reproduce.",
        minimum=0,
        ctype="int64",
    )
    mutation_rate: float = param(
        0.0,
        "Probability that a newborn's body is drawn from bodies.",
        minimum=0.0,
        maximum=1.0,
        ctype="double",
    )
    max_cycles: int = param(1000, "Ticks per episode before truncation.", minimum=1, ctype="int64")
    randomize_agent_actions_order: bool = param(
        True, "Resolve actions in a fresh random order every tick (else in agent order)."
    )
    observation_radius: object = radius_param(5, "Every agent's observation radius.")
    observation_direction_mode: int = param(
        2, "View: 2 rotated to the agent's facing, 0 fixed north-up.", choices=(0, 2)
    )
    noops: bool = param(True, "Whether NOOP is a legal action.")
    start_energy: int = param(250, "Energy at the start.", minimum=0, ctype="int64")
    max_energy: int = param(
        250, "Most energy an agent holds.", minimum=1, maximum=1_000_000, ctype="int64"
    )
    max_diamonds: int = param(
        5, "Most diamonds an agent holds.", minimum=1, maximum=255, ctype="int64"
    )
    upkeep_energy: int = param(
        1, "Energy every live agent pays at the end of every tick.", minimum=0, ctype="int64"
    )
    rest_energy: int = param(
        2,
        "Energy regained by resting (an action that cost nothing) below rest_limit.",
        minimum=0,
        ctype="int64",
    )
    rest_limit: int = param(
        30, "Resting regains energy only up to this much.", minimum=0, ctype="int64"
    )
    noop_energy: int = param(0, "Energy cost of NOOP.", minimum=0, ctype="int64")
    move_energy: int = param(
        1, "Energy cost of MOVE_FORWARD and MOVE_BACK.", minimum=0, ctype="int64"
    )
    rotate_energy: int = param(
        1, "Energy cost of ROTATE_LEFT and ROTATE_RIGHT.", minimum=0, ctype="int64"
    )
    use_energy: int = param(1, "Energy cost of USE.", minimum=0, ctype="int64")
    attack_energy: int = param(10, "Energy cost of ATTACK.", minimum=0, ctype="int64")
    shield_toggle_energy: int = param(1, "Energy cost of TOGGLE_SHIELD.", minimum=0, ctype="int64")
    shield_upkeep_energy: int = param(
        1, "Energy per tick of a raised shield.", minimum=0, ctype="int64"
    )
    give_energy_amount: int = param(
        10, "Energy GIVE_ENERGY gives (and costs).", minimum=1, ctype="int64"
    )
    give_diamond_energy: int = param(1, "Energy cost of GIVE_DIAMOND.", minimum=0, ctype="int64")
    marker_energy: int = param(1, "Energy cost of PLACE_MARKER.", minimum=0, ctype="int64")
    colour_energy: int = param(1, "Energy cost of CHANGE_COLOUR.", minimum=0, ctype="int64")
    give_ore_energy: int = param(1, "Energy cost of GIVE_ORE.", minimum=0, ctype="int64")
    give_battery_energy: int = param(1, "Energy cost of GIVE_BATTERY.", minimum=0, ctype="int64")
    posture_energy: int = param(5, "Energy cost of SWITCH_POSTURE.", minimum=0, ctype="int64")
    build_energy: int = param(5, "Energy cost of BUILD.", minimum=0, ctype="int64")
    reproduce_energy: int = param(
        150,
        "Energy cost of REPRODUCE (paid only when a child is born).",
        minimum=0,
        ctype="int64",
    )
    posture_cooldown: int = param(
        10,
        "Ticks after a posture switch before the agent can switch again.",
        minimum=0,
        ctype="int64",
    )
    profiles: str = param(
        "",
        "Energy profiles added to (or changing) the built-in default, worker, fighter, scout, rest.",
        check=body_rules.check_profiles,
        allowed="text 'name: key=value, ...; name: ...' with keys max_energy, carry, view, "
        "upkeep and the action kinds " + ", ".join(body_rules.COST_KINDS),
    )
    bodies: tuple[str, ...] = param(
        ("default",),
        "Bodies, each its postures (profile names) joined by '/', e.g. 'fighter/worker'.",
        check=body_rules.check_bodies,
        allowed=f"1..{body_rules.MAX_BODIES} bodies of 1..{body_rules.MAX_POSTURES} profile names "
        "joined by '/' (a tuple, or text 'a/b,c')",
    )
    body_assignment: str = param(
        "agents",
        "Who gets which body: agents (agent i: bodies[i % B]), teams (team t: bodies[t % B]) "
        "or random (every episode, by body_weights).",
        choices=body_rules.ASSIGNMENTS,
    )
    body_weights: tuple[int, ...] | None = param(
        None,
        "random: the weight of each body (None: equal weights).",
        check=body_rules.check_weights,
        allowed="None or one int >= 0 per body, with a positive sum",
    )
    mine_stock: int = param(
        5, "Diamonds in a mine at the start and at most.", minimum=0, maximum=255, ctype="int64"
    )
    mine_cooldown: int = param(
        20, "Ticks from a mine's use until it is ready again.", minimum=0, ctype="int64"
    )
    mine_regrow_ticks: int = param(
        50,
        "Every this many ticks each mine regrows one diamond (0: never).",
        minimum=0,
        ctype="int64",
    )
    charger_energy: int = param(
        100, "Energy a charger gives for one diamond.", minimum=0, ctype="int64"
    )
    charger_cooldown: int = param(
        5, "Ticks from a charger's use until it is ready.", minimum=0, ctype="int64"
    )
    altar_energy: int = param(100, "Energy an altar takes for one heart.", minimum=0, ctype="int64")
    altar_cooldown: int = param(
        2, "Ticks from an altar's use until it is ready.", minimum=0, ctype="int64"
    )
    recipes: str = param(
        "",
        "Converters besides the charger and the altar: their recipes and map characters.",
        check=economy.check_recipes,
        allowed="text 'name=CHAR: 2 ore + 10 energy -> 1 battery / 3; ...' (CHAR an uppercase "
        "letter other than A, C, D, O; items diamond, ore, battery, energy, and heart as an "
        "output; '/ cooldown' optional)",
    )
    heart_reward: float = param(1.0, "HEART reward per heart.", ctype="double")
    working_chargers: int = param(
        0,
        "Chargers that work, drawn per episode (the others take and give nothing); 0: all.",
        minimum=0,
        ctype="int64",
    )
    working_altars: int = param(
        0,
        "Altars that work, drawn per episode (the others take and give nothing); 0: all.",
        minimum=0,
        ctype="int64",
    )
    altar_users: int = param(
        1,
        "Agents that must USE an altar in the same tick for it to make their hearts.",
        minimum=1,
        maximum=maps.MAX_AGENTS,
        ctype="int64",
    )
    respawn_on_heart: bool = param(
        False,
        "An agent that makes a heart starts over at its start cell (the next trial of a task).",
    )
    attack_range: int = param(3, "Farthest distance an attack reaches.", minimum=1, ctype="int64")
    build_resource: str = param(
        "none",
        "What BUILD takes to place a wall ('none': BUILD is disabled).",
        choices=building.BUILD_RESOURCES,
    )
    build_amount: int = param(
        1, "Units of build_resource a built wall takes.", minimum=0, ctype="int64"
    )
    destructible: tuple[str, ...] = param(
        ("built_wall",),
        "What attacks damage and destroy (cells of these kinds get hit points).",
        check=building.check_destructible,
        allowed="a tuple of " + ", ".join(building.KINDS) + " (or text 'wall,mine'), or ()",
    )
    built_wall_hp: int = param(
        3, "Hit points of a built wall (when destructible).", minimum=1, ctype="int64"
    )
    wall_hp: int = param(5, "Hit points of a wall (when destructible).", minimum=1, ctype="int64")
    object_hp: int = param(
        10, "Hit points of a mine or converter (when destructible).", minimum=1, ctype="int64"
    )
    attack_damage: int = param(
        1,
        "Hit points an attack takes from the destructible cell it hits.",
        minimum=1,
        ctype="int64",
    )
    shield_absorb: int = param(
        10, "Energy a shield absorbs from one attack.", minimum=0, ctype="int64"
    )
    freeze_ticks: int = param(
        10, "Ticks a landing attack freezes the target.", minimum=0, ctype="int64"
    )
    steal_energy_percent: int = param(
        50,
        "Percentage of the target's energy a landing attack takes.",
        minimum=0,
        maximum=100,
        ctype="int64",
    )
    marker_lifetime: int = param(50, "Ticks a marker lasts.", minimum=1, ctype="int64")
    max_markers: int = param(
        3, "Live markers per agent (the oldest goes).", minimum=1, ctype="int64"
    )
    num_colours: int = param(
        8, "Colours an agent cycles through.", minimum=1, maximum=254, ctype="int64"
    )
    marker_symbols: int = param(
        1,
        "Symbols a marker can carry: PLACE_MARKER places symbol 1, PLACE_MARKER_<s> symbol s.",
        minimum=1,
        maximum=MAX_MARKER_SYMBOLS,
    )

    def validate(self) -> None:
        """Cross-field rules (the map, the teams and the kinship matrix)."""
        name = type(self).__name__
        if self.start_energy > self.max_energy:
            raise ValueError(
                f"{name}: start_energy={self.start_energy} exceeds max_energy={self.max_energy}; "
                f"allowed: 0..{self.max_energy}"
            )
        if self.map_art is not None:
            try:
                maps.DiamondMap.from_art(self.map_art, recipe_characters(self))
            except ValueError as error:
                raise ValueError(f"{name}: invalid map_art: {error}") from None
        layout = team_layout(self)
        body_rules.validate(self)
        if self.max_population is not None and self.max_population < layout.num_agents:
            raise ValueError(
                f"{name}: max_population={self.max_population} is below the "
                f"{layout.num_agents} starting agents; allowed: None or "
                f"{layout.num_agents}..{maps.MAX_AGENTS}"
            )
        if self.respawn_on_heart and self.reproduction:
            raise ValueError(
                f"{name}: respawn_on_heart=True cannot be combined with reproduction=True (a "
                "newborn has no start cell to return to); allowed: one of them"
            )
        if self.level == 2 and self.map_art is None and self.arena_kind == "maze":
            if self.arena_size % 2 == 0:
                raise ValueError(
                    f"{name}: a maze needs an odd arena_size, got {self.arena_size}; "
                    f"allowed: odd sizes {mazes.MIN_MAZE}..{maps.MAX_ARENA - 1}"
                )
            cells = mazes.maze_cells(self.arena_size)
            if layout.num_agents > cells:
                raise ValueError(
                    f"{name}: {layout.num_agents} agents do not fit in a {self.arena_size} x "
                    f"{self.arena_size} maze; allowed: num_agents 1..{cells}"
                )
        rooms = self.level == 2 and self.map_art is None and self.arena_kind == "rooms"
        if rooms and self.arena_size < maps.MIN_ARENA:
            raise ValueError(
                f"{name}: an arena of rooms needs arena_size >= {maps.MIN_ARENA}, got "
                f"{self.arena_size}; allowed: {maps.MIN_ARENA}..{maps.MAX_ARENA} (or "
                "arena_kind='maze')"
            )
        if self.level == 2 and self.map_art is None:
            objects = self.arena_mines + self.arena_chargers + self.arena_altars
            capacity = maps.arena_capacity(self.arena_size)
            if objects > capacity:
                raise ValueError(
                    f"{name}: arena_mines + arena_chargers + arena_altars = {objects} do not "
                    f"always fit in an arena_size={self.arena_size} arena; allowed: a sum of at "
                    f"most {capacity} (((arena_size - 3) // 2) ** 2), or a larger arena_size"
                )
        else:
            starts = len(build_map(self, 0).agent_starts)
            if layout.num_agents > starts:
                raise ValueError(
                    f"{name}: {layout.num_agents} agents (num_agents={self.num_agents}, "
                    f"team_sizes={self.team_sizes}) do not fit on this map; allowed: "
                    f"num_agents 1..{starts}"
                )
        if self.altar_users > layout.num_agents:
            raise ValueError(
                f"{name}: altar_users={self.altar_users} exceeds the {layout.num_agents} agents; "
                f"allowed: 1..{layout.num_agents}"
            )
        self._check_working_objects(name)
        if self.kinship == "matrix":
            if self.kinship_matrix is None:
                raise ValueError(f"{name}: kinship='matrix' needs kinship_matrix")
            try:
                kinships.check_matrix(self.kinship_matrix, layout.num_agents)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        elif self.kinship_matrix is not None:
            raise ValueError(
                f"{name}: kinship_matrix is only used with kinship='matrix' "
                f"(kinship={self.kinship!r})"
            )

    def _check_working_objects(self, name: str) -> None:
        """``working_chargers`` and ``working_altars`` at most the map's chargers and altars."""
        if self.map_art is None and self.level == 2:
            counts = {"chargers": self.arena_chargers, "altars": self.arena_altars}
        else:
            board = build_map(self, 0)
            counts = {"chargers": int(board.charger.sum()), "altars": int(board.altar.sum())}
        for kind, count in counts.items():
            working = getattr(self, f"working_{kind}")
            if working > count:
                raise ValueError(
                    f"{name}: working_{kind}={working} exceeds the map's {count} {kind}; "
                    f"allowed: 0 (all work) .. {count}"
                )


@dataclasses.dataclass(frozen=True)
class TeamLayout:
    """How many agents there are, their teams, and the teams' clans."""

    num_agents: int
    team_sizes: tuple[int, ...]
    teams: tuple[int, ...]
    clans: tuple[int, ...]


def team_layout(config: DiamondChargerConfig) -> TeamLayout:
    """The agents, teams and clans of a config (ValueError when they disagree)."""
    name = type(config).__name__
    if config.map_art is not None:
        map_agents = len(
            maps.DiamondMap.from_art(config.map_art, recipe_characters(config)).agent_starts
        )
        default_teams = min(CUSTOM_MAP_TEAMS, map_agents)
    else:
        map_agents = LEVEL_AGENTS[config.level]
        default_teams = LEVEL_TEAMS[config.level]
    if config.team_sizes is not None:
        num_agents = config.num_agents or sum(config.team_sizes)
        if sum(config.team_sizes) != num_agents:
            raise ValueError(
                f"{name}: team_sizes={config.team_sizes} sum to {sum(config.team_sizes)}, "
                f"not to num_agents={num_agents}; allowed: sizes summing to {num_agents}"
            )
        sizes = config.team_sizes
    else:
        num_agents = config.num_agents or map_agents
        num_teams = config.num_teams or min(default_teams, num_agents)
        if num_teams > num_agents:
            raise ValueError(
                f"{name}: num_teams={num_teams} exceeds the {num_agents} agents; "
                f"allowed: 1..{num_agents}"
            )
        sizes = kinships.split_sizes(num_agents, num_teams)
    return TeamLayout(
        num_agents,
        tuple(sizes),
        kinships.team_of_agents(sizes),
        kinships.clan_of_teams(len(sizes), config.teams_per_clan),
    )


def recipe_characters(config: DiamondChargerConfig) -> str:
    """The map characters of the config's recipes, in recipe order (from recipe 2)."""
    return "".join(recipe.character for recipe in economy.parse_recipes(config.recipes))


def build_map(config: DiamondChargerConfig, map_key: int) -> maps.DiamondMap:
    """The map of a config: ``map_art``, level 0 or 1, or the arena (or maze) of ``map_key``."""
    if config.map_art is not None:
        return maps.DiamondMap.from_art(config.map_art, recipe_characters(config))
    if config.level < 2:
        return maps.DiamondMap.from_art(LEVELS[config.level])
    if config.arena_kind == "maze":
        return maps.DiamondMap.from_art(
            mazes.generate_maze(
                map_key,
                config.arena_size,
                team_layout(config).num_agents,
                config.arena_mines,
                config.arena_chargers,
                config.arena_altars,
                config.maze_openness,
                config.maze_min_distance,
            )
        )
    return maps.DiamondMap.from_art(
        maps.generate_arena(
            map_key,
            config.arena_size,
            team_layout(config).team_sizes,
            config.arena_mines,
            config.arena_chargers,
            config.arena_altars,
        )
    )
