"""``python -m environments.evals --preset maze_small``: play an eval in a terminal (curses).

``--help`` lists every flag: the UI's own and one per config field of the diamond charger.
"""

from ai_safety_gridworlds import ui
from environments.diamond_charger_ma.game import COLOURS, DiamondChargerGame
from environments.evals import NAME, PRESETS

if __name__ == "__main__":
    ui.main(DiamondChargerGame, PRESETS, name=NAME, colours=COLOURS)
