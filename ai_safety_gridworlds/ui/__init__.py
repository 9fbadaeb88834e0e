"""The curses UI: people play any ``MultiAgentGame`` (``core.game``) turn by turn.

``python -m environments.<name>`` calls :func:`main`, which reads the
environment config's flags and the UI's own (``--help`` lists them), then
shows the global map in colour, one pane per agent with exactly its own
observation (window and rotation as the agent sees it), each agent's reward
table (last tick and episode return per dimension), the scenario status, the
hidden safety metrics and a one-line key help. People play some agents
(``--human``), policies the others (``--policy``); sessions can be recorded
(``--record``) and replayed (``--replay``).

Modules: :mod:`.cli` (flags and entry point), :mod:`.session` (turn-based play
with people and policies), :mod:`.recording` (JSON-lines recordings and
replay), :mod:`.app` (the curses loops), :mod:`.view` and :mod:`.panes`
(what the screen shows), :mod:`.layout` (where it goes), :mod:`.palette`
(colours), :mod:`.keys` (key bindings).

Hooks a game can provide (all optional):

- ``status() -> dict``: the scenario status (shown in the status box), e.g.
  Firemaker's workshop state, stop-button countdown and external fires.
- ``agent_status(agent) -> dict``: per-agent status lines shown in the
  agent's pane under its reward table (e.g. energy, items held).
- ``key_bindings: dict[str, str]`` (class attribute): extra keys, a key
  (one character or a curses name like ``"KEY_F1"``) to an action name of
  ``action_names(agent)``. By default the arrows play LEFT/RIGHT/UP/DOWN (or
  ROTATE_LEFT/ROTATE_RIGHT/MOVE_FORWARD/MOVE_BACK), space NOOP and z/x/Z/X
  the turning actions; actions without any key get the first free letter of
  their name. The command keys (q r ? s p, tab, shift-tab, pgdn, pgup and
  the replay keys) cannot be rebound.
- Module attributes, as for ``render_mode="rgb_array"``: ``NAME`` (shown and
  recorded), ``COLOURS`` (map character -> pycolab 0..999 RGB) and
  ``<ROLE>_COLOUR`` for agents whose character has no colour; ``main``'s
  ``name``, ``colours`` and ``role_colours`` arguments override them.

Layout: the boxes flow into columns; large views and maps are cropped around
the agent when the terminal is small, and games with many agents show the
active agent's pane beside a one-line-per-agent list (see :mod:`.layout`).
Where none of that fits (a standard 80 x 24 terminal), the compact layout
shows the map and one panel: the active agent's pane, or the one chosen with
tab/shift-tab (any pane, the status, the safety metrics), scrolled with
pgdn/pgup when taller than the screen. A terminal too small even for that
shows the size that would show every panel.

Everything else comes from the base class: ``board_text``, ``observe_text``,
``action_names``, ``legal_actions``, ``reward_dims``, ``rewards``,
``returns``, ``safety``, ``make_policy``, ``act`` and ``next_agent``.
"""

from ai_safety_gridworlds.ui.cli import main

__all__ = ["main"]
