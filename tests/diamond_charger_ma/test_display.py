"""What the curses UI shows of the diamond charger: map marks (frozen, shielded, newborn, the
cache of the dead), panels with resources, body and posture, the scenario status."""

from __future__ import annotations

import curses

from ai_safety_gridworlds.ui import palette
from ai_safety_gridworlds.ui.view import Frame, View
from tests.diamond_charger_ma.helpers import A, agent, make, set_state, tick
from tests.framework.test_ui import TextCanvas, box_lines

ART = (
    "#########",
    "#       #",
    "# 0 1 2 #",
    "#       #",
    "#########",
)
POPULATION = dict(
    max_population=5,
    reproduction=True,
    starvation_ticks=1,
    rest_energy=0,
    reproduce_energy=10,
    bodies=("fighter/worker",),
    recipes="forge=F: 1 ore -> 1 battery",
)


def screen(game, active="agent_0") -> list[str]:
    view = View(game, palette.Palette("mono", {}, curses))
    canvas = TextCanvas(80, 200)
    controllers = {a: "human" for a in game.possible_agents}
    assert view.draw(canvas, Frame("header", controllers=controllers, active=active))
    return canvas.lines


def test_map_marks_frozen_shielded_newborn_agents_and_the_dead_leave_a_cache():
    game = make(ART, **POPULATION)
    set_state(game, 1, shield=True, frozen_until=5)
    set_state(game, 2, shield=True, inventory=[1, 0, 0])
    tick(game, {0: A.REPRODUCE})  # a child above agent_0
    set_state(game, 2, energy=0)
    assert game.cell_marks() == {(1, 2): "'", (2, 4): "~", (2, 6): ")"}
    tick(game)  # agent_2 starves
    assert game.cell_marks() == {(1, 2): "'", (2, 4): "~"}
    lines = screen(game)
    game_map = "\n".join(box_lines(lines, " map 9x5 "))
    assert "3'" in game_map and "1~" in game_map and "*" in game_map
    status = {
        line.split(":")[0]: line.split(":", 1)[1].strip() for line in box_lines(lines, "status")
    }
    assert status["marks"] == "~frozen )shielded 'newborn" and status["caches *"] == "1"
    assert (status["alive"], status["births"], status["deaths"]) == ("3/5", "1", "1")


def test_panels_show_resources_body_posture_and_life():
    game = make(ART, **POPULATION)
    set_state(game, 0, inventory=[2, 1, 3])
    status = game.agent_status("agent_0")
    assert status["energy"] == "250/300" and status["body"] == "fighter/worker"
    assert (status["diamonds"], status["ore"], status["batteries"]) == (2, 1, 3)
    assert status["posture"] == "fighter" and status["state"] == "alive"
    assert game.agent_status("agent_4") == {"state": "not born yet"}
    pane = "\n".join(box_lines(screen(game), ">> agent_0 (human)"))
    for text in ("energy: 250/300", "diamonds: 2", "ore: 1", "batteries: 3", "posture: fighter"):
        assert text in pane
    tick(game, {0: A.REPRODUCE})
    assert game.agent_status("agent_3")["state"] == "newborn"
    assert game.agent_status("agent_3")["parent"] == "agent_0"
    set_state(game, 1, energy=0)
    tick(game)
    assert agent(game, 1).used and game.agent_status("agent_1")["state"] == "dead"
