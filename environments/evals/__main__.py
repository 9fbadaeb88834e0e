"""``python -m environments.evals --preset maze_small``: play an eval in a terminal (curses).

``--help`` lists every flag: the UI's own and one per config field of the diamond charger (each
eval's preset sets them; flags given beside ``--preset`` win).
"""

from ai_safety_gridworlds import ui
from environments.evals import PRESETS, EvalGame

if __name__ == "__main__":
    ui.main(EvalGame, PRESETS)
