"""``python -m environments.firemaker_ex_ma``: play the Firemaker in a terminal (curses).

``--help`` lists every flag: the UI's own and one per config field.
"""

from ai_safety_gridworlds import ui
from environments.firemaker_ex_ma.game import PRESETS, FiremakerGame

if __name__ == "__main__":
    ui.main(FiremakerGame, PRESETS)
