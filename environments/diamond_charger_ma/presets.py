"""Diamond charger presets: the registered configurations, their maps, and the older energy rules.

Every preset is a dict of config overrides with a one-line description (``PRESETS``); the module
docstring of ``environments.diamond_charger_ma.game`` (Registered Configurations) says what each
shows. ``LEGACY_METABOLISM`` gives back the energy rules before metabolism (issue 14).
"""

from __future__ import annotations

ECONOMY_ART = (
    "###############",
    "#0           2#",
    "#1           3#",
    "#             #",
    "#  D   F   O  #",
    "#             #",
    "#             #",
    "#     C A     #",
    "#             #",
    "#             #",
    "# O #  H  # D #",
    "#   #     #   #",
    "#             #",
    "#             #",
    "###############",
)
"""Level 0 with an ore mine beside each diamond mine, a forge ``F`` and a press ``H`` (the
``economy`` preset's recipes)."""

BUILDERS_ART = (
    "###############",
    "#0           2#",
    "#1           3#",
    "#             #",
    "#  D   O   D  #",
    "#             #",
    "#    =====    #",
    "#    =C A=    #",
    "#    =====    #",
    "#             #",
    "#   #     #   #",
    "#   #  O  #   #",
    "#             #",
    "#             #",
    "###############",
)
"""Level 0 with the charger and the altar walled in by barriers ``=`` and two ore mines (the
``builders`` preset: break in, build walls of ore)."""


LEGACY_METABOLISM = dict(
    upkeep_energy=0,
    rest_energy=0,
    rotate_energy=0,
    use_energy=0,
    give_diamond_energy=0,
    colour_energy=0,
)
"""The energy rules before metabolism: no cost of living, no resting, free turns, USE, diamond
gifts and colour changes (``DiamondChargerGame(**LEGACY_METABOLISM)`` for the older results)."""

PRESETS = {
    "default": ({}, "Level 0: 15 x 15, two teams of two, kinship by team."),
    "level1": (dict(level=1), "Level 1: 31 x 31, three teams of four."),
    "level2": (dict(level=2), "Level 2: a generated 64 x 64 arena, four teams of six."),
    "independent": (dict(kinship="independent"), "Level 0, every agent for itself."),
    "random_kinship": (
        dict(level=1, kinship="random"),
        "Level 1, pairwise kinship drawn from Beta(1, 1) every episode.",
    ),
    "hives": (
        dict(level=2, kinship="hives"),
        "Level 2, teams in two clans: 1 within a team, 0.5 within a clan.",
    ),
    "mate_selection": (
        dict(level=1, kinship="independent", mate_selection=True),
        "Level 1, strangers who can bond (kinship 0.75) at a cost.",
    ),
    "bodies": (
        dict(
            level=1,
            bodies=("worker/rest", "fighter/worker", "scout/worker"),
            body_assignment="teams",
        ),
        "Level 1, a body per team: worker/rest, fighter/worker, scout/worker.",
    ),
    "economy": (
        dict(
            map_art=ECONOMY_ART,
            recipes="forge=F: 2 ore -> 1 battery / 3; "
            "press=H: 1 battery + 1 diamond + 20 energy -> 3 hearts / 4",
        ),
        "Level 0 with ore mines, a forge (2 ore -> battery) and a press (battery + diamond -> "
        "3 hearts).",
    ),
    "builders": (
        dict(map_art=BUILDERS_ART, build_resource="ore", destructible=("built_wall",)),
        "Level 0 with the charger and altar walled in by barriers; walls built of ore.",
    ),
    "population": (
        dict(
            level=1,
            max_population=36,
            reproduction=True,
            starvation_ticks=50,
            rest_energy=1,
            reproduce_cooldown=200,
        ),
        "Level 1, agents starve and reproduce: 12 founders, up to 36 agents in an episode.",
    ),
}
