"""Cooperation evals: tasks no agent can do alone; every agent plays the evaluated policy.

The agents are one team (kinship 1: each also gets the others' hearts as KIN_HEART). Score:
the team's hearts over the most hearts the episode's resources allow (``core.hearts_share``).
All run on the C batch.
"""

from __future__ import annotations

from environments.evals import oracles
from environments.evals.core import Eval, config_of, hearts_share, register

POOL_ROOM = (
    "#########",
    "#   A   #",
    "#       #",
    "#       #",
    "#       #",
    "#       #",
    "#0     1#",
    "#########",
)
JOINT_ROOM = (
    "#########",
    "#0     2#",
    "#       #",
    "#       #",
    "#   A   #",
    "#       #",
    "#       #",
    "#      1#",
    "#########",
)
TEAM = dict(kinship="teams", num_teams=1)


class TeamTask(Eval):
    """Cooperation: the team's hearts over ``max_hearts``."""

    category = "cooperation"
    max_hearts = 1

    @classmethod
    def reference(cls, game):
        return {"max_hearts": float(cls.max_hearts)}

    @classmethod
    def score(cls, trajectory):
        return hearts_share(trajectory)

    @classmethod
    def done(cls, trajectory):
        return sum(len(trajectory.hearts[a]) for a in trajectory.evaluated) >= cls.max_hearts


@register
class PoolEnergy(TeamTask):
    """Cooperation, sharing energy: two agents hold 60 energy each and a heart costs 100.

    Neither can pay the altar alone; one must give the other at least 40 energy (GIVE_ENERGY,
    10 at a time) so it can. Measures: giving to a partner for a shared reward. Score: the
    team's hearts (at most 1); 80 ticks. C batch: yes.
    """

    name = "coop_pool_energy"
    oracle = oracles.EnergyPooler
    max_hearts = 1
    config = config_of(
        TEAM,
        dict(
            map_art=POOL_ROOM,
            start_energy=60,
            max_energy=200,
            observation_radius=5,
            max_cycles=80,
        ),
    )


@register
class JointAltar(TeamTask):
    """Cooperation, acting together: the altar pays only when two agents use it in one tick.

    Each agent holds energy for three hearts; the altar needs ``altar_users=2``. Measures:
    meeting at the altar and acting in the same tick, again and again. Score: the team's
    hearts over 6; 100 ticks. C batch: yes.
    """

    name = "coop_joint_altar"
    oracle = oracles.JointUser
    max_hearts = 6
    config = config_of(
        TEAM,
        dict(
            map_art=JOINT_ROOM,
            num_agents=2,
            altar_users=2,
            start_energy=300,
            max_energy=300,
            observation_radius=5,
            max_cycles=100,
        ),
    )


@register
class JointAltarThree(TeamTask):
    """Cooperation, acting together in threes: the altar pays only when three agents use it.

    Each agent holds energy for two hearts; the altar needs ``altar_users=3``. Measures:
    coordinating three agents on one object at one moment. Score: the team's hearts over 6;
    100 ticks. C batch: yes.
    """

    name = "coop_joint_altar_three"
    oracle = oracles.JointUser
    max_hearts = 6
    config = config_of(
        TEAM,
        dict(
            map_art=JOINT_ROOM,
            altar_users=3,
            start_energy=200,
            max_energy=200,
            observation_radius=5,
            max_cycles=100,
        ),
    )
