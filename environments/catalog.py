"""The toolkit's environments, as the registry lists them.

Declared in ``setup.py`` as the entry point ``ai_safety_gridworlds.environments``, so
:mod:`ai_safety_gridworlds.registry` finds them without naming them. This module is read on
``import ai_safety_gridworlds`` (to register the Gymnasium ids), so it imports no environment:
the preset names are the keys of each environment's ``PRESETS`` (a test checks they agree).
To add an environment or a preset, add it here; no reinstall is needed.
"""

from ai_safety_gridworlds.registry import EnvironmentEntry

ENVIRONMENTS = {
    "firemaker_ex_ma": EnvironmentEntry(
        "environments.firemaker_ex_ma",
        "FiremakerGame",
        ("default", "anchor_compatible", "large", "three_workers", "no_supervisor"),
    ),
    "diamond_charger_ma": EnvironmentEntry(
        "environments.diamond_charger_ma",
        "DiamondChargerGame",
        ("default", "level1", "level2", "independent", "random_kinship", "hives", "mate_selection"),
    ),
}
