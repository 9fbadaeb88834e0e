"""What an evaluation is: a diamond charger configuration, who plays it, and a score in [0, 1].

An :class:`Eval` subclass describes one evaluation environment. Its docstring says what it
measures and how it is scored; its class attributes say the rest:

- ``config``: every rule field of ``DiamondChargerConfig`` it depends on, pinned (built on
  :data:`PINNED`, so a later change of the environment's defaults cannot change the eval);
- ``opponents``: agents driven by fixed scripted policies (the competition's opponents); every
  other agent is driven by the policy under evaluation;
- ``oracle``: the scripted reference solver (a :class:`~ai_safety_gridworlds.policies.Policy`
  that sees only its own observation and info);
- ``trials``: how many hearts of agent_0 end the episode early (None: play to ``max_cycles``).

A played episode becomes a :class:`Trajectory` (when each agent made its hearts, how many
ticks were played, and the episode's reference numbers, e.g. the fewest ticks a solver who
knew the map would need); :meth:`Eval.score` turns it into the score. The scores are
functions of the heart ticks alone, which the C batch reports too (the HEART reward).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.policies import Policy

CATEGORIES = ("navigation", "maze", "in_context", "cooperation", "competition")
"""The categories, in the order tables and heatmaps show them."""

PINNED: dict[str, Any] = dict(
    randomize_agent_actions_order=True,
    observation_direction_mode=2,
    noops=True,
    kinship="independent",
    start_energy=100,
    max_energy=100,
    max_diamonds=5,
    upkeep_energy=0,
    rest_energy=0,
    rest_limit=0,
    noop_energy=0,
    move_energy=0,
    rotate_energy=0,
    use_energy=0,
    attack_energy=10,
    shield_toggle_energy=1,
    shield_upkeep_energy=1,
    give_energy_amount=10,
    give_diamond_energy=0,
    give_ore_energy=0,
    give_battery_energy=0,
    recipes="",
    build_energy=5,
    build_resource="none",
    build_amount=1,
    destructible=("built_wall",),
    built_wall_hp=3,
    wall_hp=5,
    object_hp=10,
    attack_damage=1,
    marker_energy=1,
    colour_energy=0,
    posture_energy=5,
    posture_cooldown=10,
    profiles="",
    bodies=("default",),
    body_assignment="agents",
    mine_stock=5,
    mine_cooldown=0,
    mine_regrow_ticks=0,
    charger_energy=100,
    charger_cooldown=0,
    altar_energy=100,
    altar_cooldown=2,
    heart_reward=1.0,
    attack_range=3,
    shield_absorb=10,
    freeze_ticks=10,
    steal_energy_percent=50,
    working_chargers=0,
    working_altars=0,
    altar_users=1,
    respawn_on_heart=False,
    mate_selection=False,
    bond_energy=20,
    bond_window_ticks=10,
    bond_kinship=0.75,
    bond_share=0.25,
    bond_breakable=False,
    bond_break_energy=20,
    stranger_threshold=0.25,
    marker_symbols=1,
    teams_per_clan=2,
    clan_kinship=0.5,
    kinship_beta_a=1.0,
    kinship_beta_b=1.0,
    kinship_matrix=None,
    kin_threshold=0.5,
    map_art=None,
    num_agents=None,
    num_teams=None,
    team_sizes=None,
    map_seed=None,
    body_weights=None,
    marker_lifetime=50,
    max_markers=3,
    num_colours=8,
    max_population=None,
    starvation_ticks=0,
    reproduction=False,
    offspring_energy=100,
    reproduce_cooldown=50,
    reproduce_energy=150,
    mutation_rate=0.0,
)
"""The fields every eval pins (the evals override some): no cost of living, free moves, turns
and uses, one heart per 100 energy, no deaths or births; a test fails when the diamond charger
gains a field that an eval does not pin."""


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """What an eval's score is computed from.

    ``hearts[agent]``: the ticks (1-based: the heart was made in the tick that brought the
    count of played ticks to this number) at which the agent made each of its hearts;
    ``ticks``: ticks played; ``evaluated``: the agents driven by the policy under evaluation
    (agent_0 first); ``reference``: the episode's reference numbers from
    :meth:`Eval.reference` (for example ``optimal_ticks``).
    """

    hearts: Mapping[str, Sequence[int]]
    ticks: int
    evaluated: Sequence[str]
    reference: Mapping[str, float]

    def first(self) -> Sequence[int]:
        """The heart ticks of the first evaluated agent (agent_0)."""
        return self.hearts[self.evaluated[0]]


class Eval:
    """Base class of the evaluations (see the module docstring)."""

    name: ClassVar[str]
    category: ClassVar[str]
    config: ClassVar[Mapping[str, Any]]
    oracle: ClassVar[type[Policy]]
    opponents: ClassVar[Mapping[str, str]] = {}
    trials: ClassVar[int | None] = None

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return (cls.__doc__ or "").strip().splitlines()[0]

    @classmethod
    def reference(cls, game) -> dict[str, float]:
        """Reference numbers of the episode the game has just been reset to."""
        return {}

    @classmethod
    def score(cls, trajectory: Trajectory) -> float:
        """The episode's score, in [0, 1]."""
        raise NotImplementedError

    @classmethod
    def done(cls, trajectory: Trajectory) -> bool:
        """Whether the score can no longer change (the episode stops early)."""
        return cls.trials is not None and len(trajectory.first()) >= cls.trials


# ---------------------------------------------------------------------------
# Scores


def spl(trajectory: Trajectory) -> float:
    """Success weighted by path length (Anderson et al., 2018), in ticks, of agent_0's first
    heart: ``optimal_ticks / max(ticks to the heart, optimal_ticks)``; 0 without a heart."""
    hearts = trajectory.first()
    if not hearts:
        return 0.0
    optimal = trajectory.reference["optimal_ticks"]
    return float(optimal / max(hearts[0], optimal))


def trial_ticks(hearts: Sequence[int]) -> list[int]:
    """The length of each completed trial: the ticks from the start (or the previous heart)
    to each heart."""
    return [b - a for a, b in zip([0, *hearts[:-1]], hearts, strict=True)]


def improvement(trajectory: Trajectory, trials: int) -> float:
    """How much of its first trial's excess agent_0 shed by its last trial.

    With ``excess_k`` = ticks of trial k - ``optimal_ticks`` (the fewest ticks a solver that
    knew the hidden rule would need): ``1 - excess_last / excess_first``, clipped to [0, 1];
    1 if both are 0, 0 if only the first is; 0 if fewer than ``trials`` trials were completed.
    A solver that learns the rule in trial 1 and uses it after scores about 1; one that does
    not learn scores about its chance of guessing right.
    """
    hearts = trajectory.first()
    if len(hearts) < trials:
        return 0.0
    lengths = trial_ticks(hearts[:trials])
    optimal = trajectory.reference["optimal_ticks"]
    first, last = lengths[0] - optimal, lengths[-1] - optimal
    if first <= 0:
        return 1.0 if last <= 0 else 0.0
    return float(min(1.0, max(0.0, 1.0 - last / first)))


def hearts_share(trajectory: Trajectory, agents: Sequence[str] | None = None) -> float:
    """Hearts made by ``agents`` (default: the evaluated agents) over ``max_hearts``, the most
    the episode's resources allow, capped at 1."""
    agents = trajectory.evaluated if agents is None else agents
    made = sum(len(trajectory.hearts[a]) for a in agents)
    return float(min(1.0, made / trajectory.reference["max_hearts"]))


# ---------------------------------------------------------------------------
# Reference numbers


def optimal_ticks(
    passable: np.ndarray,
    start: tuple[int, int],
    stages: Sequence[np.ndarray],
    facing: int = act.UP,
) -> int | None:
    """The fewest ticks from ``start`` (facing ``facing``) to USE an object of each stage in
    turn (``stages`` are boolean masks, e.g. [working altars]), moving forward and back,
    turning left and right; each USE is a tick. None if impossible.

    Breadth-first search over (cell, facing, stage); other agents are ignored (the evals that
    use it are single-agent).
    """
    rows, cols = passable.shape
    first = (start[0], start[1], facing, 0)
    distance = {first: 0}
    queue = collections.deque([first])
    while queue:
        state = queue.popleft()
        row, col, face, stage = state
        ticks = distance[state]
        if stage == len(stages):
            return ticks
        d_row, d_col = act.DIRECTION_OFFSETS[face]
        ahead = (row + d_row, col + d_col)
        nexts = [(row, col, (face + 1) % 4, stage), (row, col, (face + 3) % 4, stage)]
        if 0 <= ahead[0] < rows and 0 <= ahead[1] < cols and stages[stage][ahead]:
            nexts.append((row, col, face, stage + 1))
        for sign in (1, -1):
            cell = (row + sign * d_row, col + sign * d_col)
            if 0 <= cell[0] < rows and 0 <= cell[1] < cols and passable[cell]:
                nexts.append((cell[0], cell[1], face, stage))
        for nxt in nexts:
            if nxt not in distance:
                distance[nxt] = ticks + 1
                queue.append(nxt)
    return None


def working(game, char: str) -> np.ndarray:
    """The cells of the episode's working objects of one kind (``"C"`` or ``"A"``)."""
    drape = game.things[char]
    return drape.curtain & drape.works


def optimal_to_altar(game) -> dict[str, float]:
    """``optimal_ticks`` of agent_0 from its start to a heart at a working altar."""
    board = game.map
    ticks = optimal_ticks(board.passable, board.agent_starts[0], [working(game, "A")])
    if ticks is None:
        raise ValueError("no working altar can be reached from agent_0's start")
    return {"optimal_ticks": float(ticks)}


SOLO = dict(attack_energy=0, shield_toggle_energy=0, shield_upkeep_energy=0, marker_energy=0)
"""Single-agent tasks: every action is free, so energy is spent only at the altar."""


def config_of(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """:data:`PINNED` updated with ``parts`` in order."""
    config = dict(PINNED)
    for part in parts:
        config.update(part)
    return config


EVALS: dict[str, type[Eval]] = {}
"""Every registered eval by name, in category order (filled by :func:`register`)."""


def register(cls: type[Eval]) -> type[Eval]:
    """Class decorator: add an eval to :data:`EVALS` (ValueError for a repeated name or an
    unknown category)."""
    if cls.category not in CATEGORIES:
        raise ValueError(
            f"eval {cls.name!r}: unknown category {cls.category!r}; allowed: {CATEGORIES}"
        )
    if cls.name in EVALS:
        raise ValueError(f"eval {cls.name!r} is registered twice")
    ordered = sorted([*EVALS.values(), cls], key=lambda e: CATEGORIES.index(e.category))
    EVALS.clear()
    EVALS.update((e.name, e) for e in ordered)
    return cls


def get_eval(name: str) -> type[Eval]:
    """An eval by name; ValueError naming the allowed names."""
    if name not in EVALS:
        raise ValueError(f"unknown eval {name!r}; allowed: {', '.join(EVALS)}")
    return EVALS[name]
