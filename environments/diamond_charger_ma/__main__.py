"""``python -m environments.diamond_charger_ma``: play the diamond charger in a terminal (curses).

``--help`` lists every flag: the UI's own and one per config field.
"""

from ai_safety_gridworlds import ui
from environments.diamond_charger_ma.game import PRESETS, DiamondChargerGame

if __name__ == "__main__":
    ui.main(DiamondChargerGame, PRESETS)
