"""What the boxes on the screen hold: the map, agent panes, status and safety metrics.

Each builder returns a :class:`Box`: a title and lines of (text, attribute)
segments, measured before drawing so the layout can place it. Builders read
the game only through :class:`~ai_safety_gridworlds.core.game.MultiAgentGame`'s
public methods and the optional hooks ``status()``, ``agent_status(agent)`` and
``cell_marks()`` ({(row, col): one mark character} for map cells to mark, e.g. a
frozen agent).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.ui.layout import crop_range
from ai_safety_gridworlds.ui.palette import Palette

Segment = tuple[str, int]
Line = list[Segment]


@dataclasses.dataclass
class Box:
    """A bordered box: a title and lines of segments."""

    key: str
    title: str
    lines: list[Line]
    accent: bool = False
    min_width: int = 0
    hidden_rows: int = 0
    """Lines left out because the box is shown scrolled (see ``view.scrolled``)."""
    short_title: str | None = None
    """Shown instead of ``title`` when the title would make the box wider than its content."""

    @property
    def width(self) -> int:
        """Terminal columns, borders included."""
        content = max((sum(len(t) for t, _ in line) for line in self.lines), default=0)
        title = self.title if self.short_title is None else self.short_title
        return max(self.min_width, 2 + max(content, len(title) + 2))

    @property
    def shown_title(self) -> str:
        """The title that fits the box's width."""
        if self.short_title is None or len(self.title) + 4 <= self.width:
            return self.title
        return self.short_title

    @property
    def height(self) -> int:
        """Terminal rows, borders included."""
        return 2 + len(self.lines)


def text_line(text: str, attr: int = 0) -> Line:
    """A line of one segment."""
    return [(text, attr)]


def format_number(value: Any) -> str:
    """A reward or metric as short text: integers without a decimal point."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.2f}"
    return str(value)


def grid_lines(
    grid: Sequence[str],
    palette: Palette,
    cell_width: int,
    highlight: tuple[int, int] | None = None,
    marks: Mapping[tuple[int, int], str] | None = None,
) -> list[Line]:
    """Lines of coloured cells; the ``highlight`` cell (row, col) is shown reversed. A cell in
    ``marks`` is underlined and, two columns wide, shows its mark character beside it."""
    lines = []
    pad = " " * (cell_width - 1)
    marks = marks or {}
    for r, row in enumerate(grid):
        line: Line = []
        for c, char in enumerate(row):
            mark = marks.get((r, c))
            if (r, c) == highlight:
                attr = palette.highlight(char)
            else:
                attr = palette.marked(char) if mark else palette.cell(char)
            text = char + (mark + pad[1:] if mark and pad else pad)
            if line and line[-1][1] == attr:
                line[-1] = (line[-1][0] + text, attr)
            else:
                line.append((text, attr))
        lines.append(line)
    return lines


def crop_grid(
    grid: Sequence[str],
    focus: tuple[int, int],
    limit: int | None,
    content: tuple[tuple[int, int], tuple[int, int]] | None = None,
) -> tuple[list[str], tuple[int, int]]:
    """At most ``limit`` x ``limit`` cells of ``grid`` around ``focus``; and the top-left offset.

    ``content`` ((row start, row end), (col start, col end)) is where the
    grid shows the board rather than the wall beyond it.
    """
    rows, cols = content or (None, None)
    top, height = crop_range(len(grid), focus[0], limit, rows)
    left, width = crop_range(len(grid[0]) if grid else 0, focus[1], limit, cols)
    return [row[left : left + width] for row in grid[top : top + height]], (top, left)


def view_content(game: Any, agent: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Where an unrotated agent-centred view shows the board (None if unknown or rotated)."""
    view, sprite = game.views[agent], game.sprite(agent)
    if view.is_global or sprite.observation_facing != 0:
        return None
    row, col = game.position(agent)
    top, left = view.up - row, view.left - col
    return (top, top + game.rows), (left, left + game.cols)


def map_box(
    game: Any, palette: Palette, cell_width: int, crop: int | None, active: str | None
) -> Box:
    """The global map, the active agent highlighted."""
    board = game.board_text()
    position = None
    if active is not None and game.sprite(active).visible:
        position = game.position(active)
    focus = position or (len(board) // 2, len(board[0]) // 2)
    shown, (top, left) = crop_grid(board, focus, crop)
    highlight = (position[0] - top, position[1] - left) if position else None
    title = short = f"map {len(board[0])}x{len(board)}"
    if len(shown) < len(board) or len(shown[0]) < len(board[0]):
        title += f" (rows {top}-{top + len(shown) - 1}, cols {left}-{left + len(shown[0]) - 1})"
    hook = getattr(game, "cell_marks", None)
    marks = {(r - top, c - left): m for (r, c), m in hook().items()} if hook else None
    lines = grid_lines(shown, palette, cell_width, highlight, marks)
    return Box("map", title, lines, short_title=short)


def reward_table(
    dims: Sequence[str], last: np.ndarray, episode: np.ndarray, bold: int = 0
) -> list[Line]:
    """Per reward dimension: the last tick's reward and the episode return."""
    name_width = max((len(d) for d in dims), default=6)
    lines = [text_line(f"{'reward':<{name_width}} {'last':>7} {'return':>8}", bold)]
    for i, dim in enumerate(dims):
        lines.append(
            text_line(
                f"{dim:<{name_width}} {format_number(last[i]):>7} {format_number(episode[i]):>8}"
            )
        )
    return lines


def pane_box(
    game: Any,
    agent: str,
    palette: Palette,
    density: Any,
    controller: str,
    active: bool,
) -> Box:
    """An agent's pane: its own observation, its reward table and its status."""
    grid = game.observe_text(agent)
    view = game.views[agent]
    sprite = game.sprite(agent)
    self_cell = view.self_cell(*game.position(agent)) if sprite.visible else None
    focus = self_cell or (len(grid) // 2, len(grid[0]) // 2)
    content = view_content(game, agent) if sprite.visible else None
    shown, (top, left) = crop_grid(grid, focus, density.pane_crop, content)
    highlight = None
    if active and self_cell is not None:
        highlight = (self_cell[0] - top, self_cell[1] - left)
    cell_width = density.pane_width_for(len(shown[0]) if shown else 0)
    lines = grid_lines(shown, palette, cell_width, highlight)
    if len(shown) < len(grid) or len(shown[0]) < len(grid[0]):
        lines.append(
            text_line(f"view {len(grid[0])}x{len(grid)}: {len(shown[0])}x{len(shown)} shown")
        )
    table = reward_table(
        game.reward_dims(agent), game.rewards[agent], game.returns[agent], palette.bold
    )
    lines.extend(table)
    width = max(len(shown[0]) * cell_width if shown else 0, len(table[0][0][0]))
    items = [f"{k}: {format_number(v)}" for k, v in agent_status_items(game, agent).items()]
    packed = pack(items, width)
    wide = getattr(density, "pane_text_width", None)
    if wide is not None and wide > width and len(pack(items, wide)) < len(packed):
        packed = pack(items, wide)  # fewer, longer lines where rows are scarce
    lines.extend(text_line(line) for line in packed)
    titles = (
        f">> {agent} ({controller})",
        f"{agent} ({controller})",
        f"{agent} ({controller}, done)",
    )

    title = titles[0] if active else titles[1] if agent in game.agents else titles[2]
    width = max(len(t) for t in titles) + 4
    return Box(f"pane:{agent}", title, lines, accent=active, min_width=width)


def pack(items: Sequence[str], width: int) -> list[str]:
    """Items joined by two spaces into lines of at most ``width`` (longer items alone)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def agent_status_items(game: Any, agent: str) -> dict[str, Any]:
    """The agent's status lines: its facing when views or moves turn, then the game's hook."""
    items: dict[str, Any] = {}
    if game.observation_direction_mode() or game.action_direction_mode():
        sprite = game.sprite(agent)
        items["facing"] = act.DIRECTION_NAMES[sprite.observation_facing]
        if sprite.action_facing != sprite.observation_facing:
            items["moving"] = act.DIRECTION_NAMES[sprite.action_facing]
    hook = getattr(game, "agent_status", None)
    if hook is not None:
        items.update(hook(agent))
    return items


def agents_box(game: Any, controllers: Mapping[str, str], active: str | None) -> Box:
    """One line per agent: who plays it and its episode return per reward dimension."""
    name_width = max(len(a) for a in game.possible_agents)
    controller_width = max((len(c) for c in controllers.values()), default=0)
    lines = []
    for agent in game.possible_agents:
        returns = "  ".join(
            f"{dim} {format_number(value)}"
            for dim, value in zip(game.reward_dims(agent), game.returns[agent], strict=True)
        )
        marker = ">" if agent == active else " "
        controller = controllers.get(agent, "")
        lines.append(
            text_line(f"{marker} {agent:<{name_width}} {controller:<{controller_width}} {returns}")
        )
    return Box("agents", "all agents: episode returns", lines)


def status_box(game: Any, extra: Mapping[str, Any] | None = None) -> Box | None:
    """The scenario status (the game's ``status()`` hook) and the UI's own lines."""
    items = dict(extra or {})
    hook = getattr(game, "status", None)
    if hook is not None:
        items.update(hook())
    if not items:
        return None
    width = max(len(k) for k in items)
    lines = [text_line(f"{k + ':':<{width + 1}} {format_number(v)}") for k, v in items.items()]
    return Box("status", "status", lines)


def short_agent_names(agents: Sequence[str]) -> dict[str, str]:
    """Short column headers: ``worker_0`` -> ``w0``; full names if that is ambiguous."""
    short = {}
    for agent in agents:
        role, _, index = agent.rpartition("_")
        short[agent] = (role[:1] + index) if role else agent
    if len(set(short.values())) < len(short):
        return {a: a for a in agents}
    return short


MAX_SAFETY_TABLE_AGENTS = 6


def safety_box(game: Any, palette: Palette) -> Box:
    """The hidden safety metrics: episode-wide ones, then per-agent ones as a table.

    A metric named ``name/agent`` belongs to that agent. With more agents than
    :data:`MAX_SAFETY_TABLE_AGENTS` the per-agent metrics show their total.
    """
    agents = list(game.possible_agents)
    overall: dict[str, Any] = {}
    per_agent: dict[str, dict[str, Any]] = {}
    for key, value in game.safety.items():
        name, _, agent = key.rpartition("/")
        if name and agent in agents:
            per_agent.setdefault(name, {})[agent] = value
        else:
            overall[key] = value
    many = len(agents) > MAX_SAFETY_TABLE_AGENTS
    if many:
        for name, values in per_agent.items():
            overall[f"{name} (all agents)"] = sum(values.values())
    width = max((len(k) for k in overall), default=0)
    lines = [text_line(f"{k:<{width}} {format_number(v):>6}") for k, v in overall.items()]
    if per_agent and not many:
        short = short_agent_names(agents)
        columns = {a: max(4, len(short[a])) for a in agents}
        width = max(len(k) for k in [*per_agent, "per agent"])
        header = f"{'per agent':<{width}}" + "".join(f" {short[a]:>{columns[a]}}" for a in agents)
        lines.append(text_line(header, palette.bold))
        for name, values in per_agent.items():
            cells = "".join(f" {format_number(values.get(a, '')):>{columns[a]}}" for a in agents)
            lines.append(text_line(f"{name:<{width}}{cells}"))
    return Box("safety", "hidden safety metrics (s hides)", lines)
