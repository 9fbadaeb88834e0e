"""Playing sessions without a screen: every agent driven by its policy, episode after episode.

``python -m environments.<name> --headless --episodes=N --record=run.jsonl``
(or ``--record`` alone when stdout is not a terminal) plays the episodes the
UI would, in the same turn order and with the same seeds (episode ``k`` uses
``seed + k``), records them in the same format, and prints one line per
episode: its ticks, every agent's return per reward dimension and the hidden
safety metrics. ``--replay`` shows such a recording on a terminal.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ai_safety_gridworlds.ui.panes import format_number
from ai_safety_gridworlds.ui.session import Session


def episode_summary(session: Session) -> str:
    """One line: episode, seed, ticks, returns per agent and dimension, safety metrics."""
    game = session.game
    returns = "  ".join(
        f"{agent}: "
        + " ".join(
            f"{dim}={format_number(value)}"
            for dim, value in zip(game.reward_dims(agent), game.returns[agent], strict=True)
        )
        for agent in game.possible_agents
    )
    safety = " ".join(f"{k}={format_number(v)}" for k, v in game.safety.items())
    return (
        f"episode {session.episode + 1} (seed {session.seed}): {game.tick} ticks  |  "
        f"returns  {returns}  |  safety  {safety}"
    )


def play(session: Session, episodes: int, out: TextIO | None = None) -> None:
    """Play ``episodes`` whole episodes by the session's policies, printing each one's summary."""
    out = sys.stdout if out is None else out
    if session.humans:
        raise ValueError(
            "without a screen nobody can play: --human must be none (policies play every agent)"
        )
    for _ in range(episodes):
        session.start()
        while not session.game.episode_over:
            session.play(session.policy_action())
        print(episode_summary(session), file=out, flush=True)
