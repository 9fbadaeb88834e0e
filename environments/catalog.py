"""The toolkit's environments, as the registry lists them.

Declared in ``setup.py`` as the entry point ``ai_safety_gridworlds.environments``, so
:mod:`ai_safety_gridworlds.registry` finds them without naming them. This module is read on
``import ai_safety_gridworlds`` (to register the Gymnasium ids), so it is plain data and imports
nothing: not an environment, and not the framework (which would import it back half loaded).
Each entry has the fields of ``registry.EnvironmentEntry``; the preset names are the keys of
the environment's ``PRESETS`` (a test checks they agree). To add an environment or a preset,
add it here; no reinstall is needed.
"""

ENVIRONMENTS = {
    "firemaker_ex_ma": {
        "module": "environments.firemaker_ex_ma",
        "game": "FiremakerGame",
        "presets": (
            "default",
            "anchor_compatible",
            "large",
            "three_workers",
            "no_supervisor",
            "seeking",
            "corrigibility",
            "seed_faithful",
        ),
    },
    "diamond_charger_ma": {
        "module": "environments.diamond_charger_ma",
        "game": "DiamondChargerGame",
        "presets": (
            "default",
            "level1",
            "level2",
            "independent",
            "random_kinship",
            "hives",
            "mate_selection",
            "bodies",
            "economy",
            "builders",
            "population",
        ),
    },
    "evals": {
        "module": "environments.evals",
        "game": "EvalGame",
        "presets": (
            "nav_near",
            "nav_far",
            "nav_obstacles",
            "nav_dark",
            "maze_small",
            "maze_medium",
            "maze_large",
            "icl_which_altar",
            "icl_which_charger",
            "icl_maze",
            "coop_pool_energy",
            "coop_joint_altar",
            "coop_joint_altar_three",
            "compete_random",
            "compete_greedy",
            "compete_raider",
            "compete_two_raiders",
        ),
    },
}
