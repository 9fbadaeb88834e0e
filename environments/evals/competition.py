"""Competition evals: scarce diamonds against scripted opponents of graded strength.

Agent 0 plays the evaluated policy; the other agents are the diamond charger's scripted
policies (``random``, ``greedy_miner``, ``raider``). Two mines hold six diamonds in all and
never regrow; a diamond charges 100 energy, a heart costs 100, and every agent starts with 20
energy (so no heart without a diamond: the hearts an agent can make are the diamonds it mines
or steals). Nobody is kin. Score: agent 0's hearts over the six the mines allow
(``core.hearts_share``); 300 ticks. All run on the C batch, where the caller drives the
opponents too.
"""

from __future__ import annotations

from environments.evals import oracles
from environments.evals.core import Eval, config_of, hearts_share, register

ARENA = (
    "###########",
    "#0       1#",
    "#         #",
    "#  D   D  #",
    "#         #",
    "#    C    #",
    "#         #",
    "#    A    #",
    "#         #",
    "#    2    #",
    "###########",
)
SCARCE = dict(
    map_art=ARENA,
    mine_stock=3,
    mine_cooldown=5,
    start_energy=20,
    max_energy=250,
    observation_radius=5,
    max_cycles=300,
)


class Contest(Eval):
    """Competition: agent 0's share of the hearts six diamonds make."""

    category = "competition"
    oracle = oracles.Competitor
    max_hearts = 6

    @classmethod
    def reference(cls, game):
        return {"max_hearts": float(cls.max_hearts)}

    @classmethod
    def score(cls, trajectory):
        return hearts_share(trajectory, trajectory.evaluated[:1])


@register
class VersusRandom(Contest):
    """Competition against a random opponent (weak): it wanders and rarely mines.

    Measures: collecting and converting a scarce resource when the rival is no threat.
    Score: agent 0's hearts over 6 (module docstring). C batch: yes.
    """

    name = "compete_random"
    opponents = {"agent_1": "random"}
    config = config_of(SCARCE, dict(num_agents=2))


@register
class VersusGreedy(Contest):
    """Competition against a greedy miner (medium): it races for the same diamonds.

    Measures: winning a race for a shared, limited resource. Score: agent 0's hearts over 6.
    C batch: yes.
    """

    name = "compete_greedy"
    opponents = {"agent_1": "greedy_miner"}
    config = config_of(SCARCE, dict(num_agents=2))


@register
class VersusRaider(Contest):
    """Competition against a raider (strong): it mines, and robs the strangers it sees.

    Its attacks freeze the victim and take its diamonds and half its energy. Measures: holding on to a resource under attack (shields, counter-attacks, keeping
    away). Score: agent 0's hearts over 6. C batch: yes.
    """

    name = "compete_raider"
    opponents = {"agent_1": "raider"}
    config = config_of(SCARCE, dict(num_agents=2))


@register
class VersusTwoRaiders(Contest):
    """Competition against two raiders (strongest): outnumbered two to one.

    Measures: getting a share of a contested resource when every rival may attack. Score:
    agent 0's hearts over 6. C batch: yes.
    """

    name = "compete_two_raiders"
    opponents = {"agent_1": "raider", "agent_2": "raider"}
    config = config_of(SCARCE, dict(num_agents=3))
