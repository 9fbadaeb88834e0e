"""A play session: people and policies taking turns in one game, episode after episode.

Agents act one after another in ``game.agents`` order (turn-based play, see
docs/concepts.md): each action takes effect at once, and the world ticks after
the last live agent of the round. Agents not played by a person are driven by
policies that see only their own observation and info (no safety metrics).
Episode ``k`` of a session (0-based) is played with seed ``seed + k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ai_safety_gridworlds.core import rollout
from ai_safety_gridworlds.core.game import MultiAgentGame
from ai_safety_gridworlds.ui.recording import Recorder

POLICY_HELP = (
    "'scripted' (each role's default scripted policy), 'random', a scripted policy name, "
    "or 'module:callable'; or comma-separated agent=policy pairs (other agents: scripted)"
)


def parse_humans(spec: str, agents: Sequence[str]) -> list[str]:
    """The agents a person plays: ``all``, ``none`` or comma-separated agent names."""
    text = spec.strip()
    if text == "all":
        return list(agents)
    if text in ("none", ""):
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in agents]
    if unknown:
        raise ValueError(
            f"--human: unknown agent {unknown[0]!r}; allowed: all, none or a comma-separated "
            f"list of {', '.join(agents)}"
        )
    return [a for a in agents if a in names]


def parse_policies(spec: str, agents: Sequence[str]) -> dict[str, str]:
    """The policy spec of every agent from ``--policy`` (see :data:`POLICY_HELP`)."""
    text = spec.strip() or "scripted"
    if "=" not in text:
        return {agent: text for agent in agents}
    result = {agent: "scripted" for agent in agents}
    for part in text.split(","):
        agent, sep, policy = part.partition("=")
        agent, policy = agent.strip(), policy.strip()
        if not sep or not policy:
            raise ValueError(f"--policy: {part!r} is not agent=policy; allowed: {POLICY_HELP}")
        if agent not in result:
            raise ValueError(f"--policy: unknown agent {agent!r}; agents: {', '.join(agents)}")
        result[agent] = policy
    return result


def make_policy(game: MultiAgentGame, agent: str, spec: str):
    """The policy of a ``--policy`` spec for one agent (ValueError naming the agent if bad)."""
    try:
        return game.make_policy(agent, None if spec == "scripted" else spec)
    except ValueError as error:
        raise ValueError(f"--policy for {agent}: {error}") from None


class Session:
    """People and policies playing a game turn by turn; optionally recorded."""

    def __init__(
        self,
        game: MultiAgentGame,
        humans: Sequence[str],
        policy_specs: dict[str, str],
        seed: int,
        recorder: Recorder | None = None,
    ):
        self.game = game
        self.humans = frozenset(humans)
        self.policy_specs = {a: s for a, s in policy_specs.items() if a not in self.humans}
        self.policies = {a: make_policy(game, a, s) for a, s in self.policy_specs.items()}
        self.base_seed = seed
        self.recorder = recorder
        self.episode = -1
        self.seed = seed
        self.round_moves: list[tuple[str, int]] = []
        self.last_round: list[tuple[str, int]] = []
        self._ended = False

    def controller(self, agent: str) -> str:
        """Who plays an agent, as shown in its pane."""
        if agent in self.humans:
            return "human"
        spec = self.policy_specs[agent]
        if spec == "scripted":
            return self.game.default_policies.get(self.game.specs[agent].role, "random")
        return spec

    def start(self) -> None:
        """Start the session's next episode (the first on the first call)."""
        self.episode += 1
        self.seed = self.base_seed + self.episode
        self.game.reset(seed=self.seed)
        for index, agent in enumerate(self.game.possible_agents):
            if agent in self.policies:
                self.policies[agent].reset(rollout.policy_seed(self.seed, index))
        self.round_moves = []
        self.last_round = []
        self._ended = False
        if self.recorder is not None:
            self.recorder.episode(self.episode, self.seed)

    @property
    def current(self) -> str | None:
        """The agent whose turn it is (None once the episode is over)."""
        return self.game.next_agent

    def human_turn(self) -> bool:
        """Whether a person must act now."""
        return self.current is not None and self.current in self.humans

    def policy_action(self) -> int:
        """The action of the current agent's policy, from its own observation and info."""
        agent = self.current
        game = self.game
        info = rollout.policy_info(game.agent_info(agent))
        return int(self.policies[agent].act(game.observe(agent), info))

    def play(self, action: int) -> bool:
        """The current agent plays ``action``; returns True when the world ticked."""
        agent = self.current
        ticked = self.game.act(agent, action)
        self.round_moves.append((agent, int(action)))
        if ticked:
            self.last_round, self.round_moves = self.round_moves, []
            if self.recorder is not None:
                self.recorder.tick(self.game.tick - 1, self.last_round, self.game.rewards)
            if self.game.episode_over:
                self.finish("episode over")
        return ticked

    def finish(self, reason: str) -> None:
        """Record the end of the episode (once): at its end, a restart or on quitting."""
        if self._ended or self.episode < 0:
            return
        self._ended = True
        if self.recorder is not None:
            game = self.game
            self.recorder.end(game.tick, self.round_moves, game.returns, game.safety, reason)

    def describe_moves(self) -> str:
        """The moves of the round so far, or of the last round."""
        game = self.game
        if self.round_moves:
            moves, label = self.round_moves, f"round {game.tick + 1} so far"
        elif self.last_round:
            moves, label = self.last_round, f"round {game.tick}"
        else:
            return f"episode {self.episode + 1} starts (seed {self.seed})"
        names = ", ".join(f"{a} {game.action_names(a)[x]}" for a, x in moves)
        return f"{label}: {names}"

    def recorded_header(self) -> dict[str, Any]:
        """Who played which agent, for a recording's header (replay shows the same labels)."""
        return {
            "humans": sorted(self.humans),
            "policies": dict(self.policy_specs),
            "controllers": {a: self.controller(a) for a in self.game.possible_agents},
        }
