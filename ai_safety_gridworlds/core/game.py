"""The multi-agent engine glue: a pycolab game ticked once per joint step.

:class:`MultiAgentGame` owns one pycolab engine per episode and everything
around it that is the same for every environment: seeding, the per-tick
priority order, turn-based versus simultaneous play, reward vectors, hidden
safety metrics, per-agent views and truncation at ``max_cycles``.

An environment subclasses it and says what its game is: the config class,
the observation channels, the agents, the map, and the pycolab engine with
its drapes (see ``environments/firemaker_ex_ma/game.py``). The world's drapes read
``the_plot["turn"]`` and act only on a frame whose turn ticks the world.

The plot keys shared with drapes: ``"turn"`` (the :class:`Turn`), ``"tick"``
(0-based index of the world tick being played), ``"key"`` (the episode's
random key, for :mod:`ai_safety_gridworlds.core.rng`), ``"moves"`` (the
:class:`MoveRecord` list of the current tick), ``"rewards"`` (the tick's
:class:`RewardBook`) and ``"safety"`` (the episode's metrics dict).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ai_safety_gridworlds.core import actions as act
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.agents import AgentSpec, AgentSprite, Turn
from ai_safety_gridworlds.core.config import make_config
from ai_safety_gridworlds.core.rewards import RewardBook
from ai_safety_gridworlds.core.views import ViewSpec, pad_chars, pad_layers
from ai_safety_gridworlds.policies import Policy, PolicyContext, build_policy


def _no_render() -> None:
    """Stands in for a started pycolab engine's ``_render`` (see ``_start_episode``)."""


def _frozen(mask: np.ndarray) -> np.ndarray:
    """A read-only copy of ``mask``."""
    mask = np.array(mask)
    mask.flags.writeable = False
    return mask


class EpisodeOverError(RuntimeError):
    """Raised when a game is stepped after its episode ended."""


class UnknownAgentError(ValueError, KeyError):
    """An agent name the game does not have: a ``ValueError`` naming the agent and the allowed
    ones (also a ``KeyError``, for code that catches a failed lookup)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def environment_name(game_class: type) -> str:
    """The name of a game's environment: its module's ``NAME``, else the module's last name.

    An environment package defines its game in a submodule (``environments.<name>.game``),
    whose ``NAME`` gives the environment's name.
    """
    name = getattr(sys.modules.get(game_class.__module__), "NAME", None)
    return name if isinstance(name, str) else game_class.__module__.rpartition(".")[2]


def reset_together(games: Sequence[MultiAgentGame], seeds: Sequence[int | None]) -> None:
    """``games[i].reset(seed=seeds[i])`` for every i, as one step: if one reset fails, every
    game is left exactly as before (the batch's numpy backend resets its slots this way)."""
    saved = [dict(game.__dict__) for game in games]
    try:
        for game, seed in zip(games, seeds, strict=True):
            game.reset(seed=seed)
    except BaseException:
        for game, state in zip(games, saved, strict=True):
            game.__dict__.clear()
            game.__dict__.update(state)
        raise


class MultiAgentGame:
    """Base class of every environment's game.

    Subclasses set ``config_class``, ``channels`` (observation channel names,
    the first is ``"self"``), ``wall_channel`` (optionally ``channel_characters``:
    the board character of each channel that may be empty at reset, such as
    fire, for drawing a batch's boards from its state) and implement
    :meth:`agent_specs`, :meth:`build_art`, :meth:`build_engine`,
    :meth:`board_layers`, :meth:`agent_channel` and :meth:`new_safety`.
    """

    config_class: ClassVar[type]
    channels: ClassVar[tuple[str, ...]]
    wall_channel: ClassVar[int]
    wall_character: ClassVar[str] = "#"
    channel_characters: ClassVar[dict[str, str]] = {}
    scripted_policies: ClassVar[dict[str, dict[str, type]]] = {}
    default_policies: ClassVar[dict[str, str]] = {}
    censored_metrics: ClassVar[dict[str, str | None]] = {}
    """Safety metrics that are the tick of an event, -1 while it has not happened (censored):
    metric -> the metric whose event it is counted from, or None for the episode's start.
    Benchmarks summarise them as times to an event (Kaplan-Meier), never as means."""
    summed_metrics: ClassVar[tuple[str, ...]] = ()
    """Per-agent safety metrics (``metric/<agent>``) that benchmarks also report summed over
    every agent slot, as ``metric/all`` (e.g. the attacks of the whole population)."""

    def __init__(self, config: Any = None, **overrides: Any):
        self.config = make_config(self.config_class, config, overrides)
        self.specs: dict[str, AgentSpec] = {s.name: s for s in self.agent_specs()}
        self.possible_agents: list[str] = list(self.specs)
        self.art = self.build_art()
        self.rows, self.cols = len(self.art), len(self.art[0])
        rotates = self.observation_direction_mode() != 0
        self.views = {
            name: ViewSpec.from_radius(spec.radius, self.rows, self.cols, rotates)
            for name, spec in self.specs.items()
        }
        self._pad = max(v.padding for v in self.views.values())
        self._seed: int | None = None
        self._episode = 0
        self._engine = None
        self._broken: BaseException | None = None
        self._observers: list[Any] = []

    # ------------------------------------------------------------------
    # What an environment says about itself

    def agent_specs(self) -> list[AgentSpec]:
        """The agents of this config, in turn order."""
        raise NotImplementedError

    def build_art(self) -> list[str]:
        """The ASCII art of this config's map (agents placed, unused ones removed)."""
        raise NotImplementedError

    def build_engine(self, art: list[str]):
        """A fresh pycolab engine (not yet started) for one episode."""
        raise NotImplementedError

    def board_layers(self) -> np.ndarray:
        """The current board as uint8 one-hot layers for ``channels[1:]``, shape (C-1, H, W)."""
        raise NotImplementedError

    def agent_channel(self, agent: str) -> int:
        """The channel (index into ``channels``) where other agents see ``agent``."""
        raise NotImplementedError

    def new_safety(self) -> dict[str, int]:
        """The safety metrics of a fresh episode, all at their start values."""
        raise NotImplementedError

    def initial_agents(self) -> list[str]:
        """The agents alive when an episode starts (default: every possible agent)."""
        return list(self.possible_agents)

    def live_agents(self) -> set[str] | None:
        """The agents alive after a tick, in a game whose population changes (agents die and
        are born: a name in ``possible_agents`` lives at most once per episode); None (the
        default) when only truncation ends agents."""
        return None

    def observation_direction_mode(self) -> int:
        """0 fixed views, 1 follow movement, 2 turned by turning actions."""
        return getattr(self.config, "observation_direction_mode", 0)

    def action_direction_mode(self) -> int:
        """0 absolute movement actions, 1 or 2 relative to the agent's facing."""
        return getattr(self.config, "action_direction_mode", 0)

    def num_actions(self, agent: str) -> int:
        """Size of the agent's discrete action space."""
        return act.num_movement_actions(
            self.observation_direction_mode(), self.action_direction_mode()
        )

    def action_names(self, agent: str) -> list[str]:
        """Names of the agent's actions, by number."""
        return [a.name for a in act.Action][: self.num_actions(agent)]

    def legal_actions(self, agent: str) -> np.ndarray:
        """Mask (int8) of the actions the agent may take."""
        mask = np.ones(self.num_actions(agent), np.int8)
        if not getattr(self.config, "noops", True):
            mask[act.Action.NOOP] = 0
        return mask

    def accepted_actions(self, agent: str) -> np.ndarray:
        """Mask (int8) of the actions ``step`` and ``act`` accept (default: the legal ones). A
        game may accept actions its ``legal_actions`` masks and play them as failures, so that
        samples of the whole action space (PettingZoo's API tests) work."""
        return self.legal_actions(agent)

    def masked_reason(self, agent: str, action: int) -> str:
        """Why ``legal_actions`` masks ``action`` (the config that disables it)."""
        return "noops=False"

    # ------------------------------------------------------------------
    # Episode lifecycle

    def add_observer(self, observer: Any) -> None:
        """Register an object told about the episode: ``on_reset(game)``,
        ``on_tick(game)`` after every world tick and ``on_episode_end(game)``
        (each method optional). Episode loggers use this.
        """
        self._observers.append(observer)

    def _notify(self, event: str) -> None:
        for observer in self._observers:
            method = getattr(observer, event, None)
            if method is not None:
                method(self)

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; ``seed`` reseeds, ``None`` continues to the next episode.

        Atomic: if anything fails (a bad seed: ``ValueError``; an observer's ``on_reset``),
        the game is left exactly as before the call, its current episode playable. Subclasses'
        ``build_engine`` must therefore only rebind attributes, never change objects in place.
        """
        seed_value = rng.seed_to_int(seed) if seed is not None else None
        saved = dict(self.__dict__)
        try:
            self._start_episode(seed_value)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _start_episode(self, seed: int | None) -> None:
        if seed is not None:
            self._seed, self._episode = seed, 0
        elif self._seed is None:
            self._seed, self._episode = secrets.randbits(63), 0
        else:
            self._episode += 1
        self.key = rng.episode_key(self._seed, self._episode)
        self.tick = 0
        self.agents = self.initial_agents()
        self.born: list[str] = []
        self.terminated = {a: False for a in self.possible_agents}
        self.truncated = {a: False for a in self.possible_agents}
        self.rewards = {a: np.zeros(len(s.reward_dims)) for a, s in self.specs.items()}
        self.returns = {a: np.zeros(len(s.reward_dims)) for a, s in self.specs.items()}
        self._engine = self.build_engine(self.art)
        self._things = self._engine.things  # pycolab copies its dict on every access
        self._sprites = {name: self._things[spec.character] for name, spec in self.specs.items()}
        plot = self._engine.the_plot
        plot["tick"] = 0
        plot["key"] = self.key
        plot["moves"] = []
        plot["rewards"] = self._new_book()
        plot["safety"] = self.new_safety()
        plot["turn"] = None
        self._engine.its_showtime()
        # pycolab repaints its board after every update group and after play (twice a tick
        # here); no sprite or drape of these games reads that board (each reads its own
        # state), so a started engine paints only when the board is asked for (board_chars).
        self._engine._render = _no_render
        # What stays the same all episode: the action masks (read-only; infos get copies).
        self._legal = {a: _frozen(self.legal_actions(a)) for a in self.possible_agents}
        self._accepted = {a: _frozen(self.accepted_actions(a)) for a in self.possible_agents}
        self._layers_cache = None
        self._acted_this_round: list[str] = []
        self._broken: BaseException | None = None
        self._notify("on_reset")

    @property
    def engine(self):
        """The pycolab engine of the current episode."""
        return self._engine

    @property
    def things(self) -> dict:
        """The pycolab sprites and drapes by character."""
        return self._things

    @property
    def safety(self) -> dict[str, int]:
        """The hidden safety metrics of the episode so far."""
        return self._engine.the_plot["safety"]

    @property
    def episode_over(self) -> bool:
        """True once every agent is terminated or truncated (or none is alive)."""
        return not self.agents

    def check_agent(self, agent: Any) -> str:
        """``agent`` if the game has it, else ``UnknownAgentError`` (a ValueError)."""
        if agent not in self.specs:
            raise UnknownAgentError(
                f"unknown agent {agent!r}; allowed: {', '.join(self.possible_agents)}"
            )
        return agent

    def sprite(self, agent: str) -> AgentSprite:
        """The agent's sprite."""
        self.check_agent(agent)
        return self._sprites[agent]

    def position(self, agent: str) -> tuple[int, int]:
        """The agent's (row, col)."""
        return tuple(self.sprite(agent).position)

    def priority_order(self) -> list[str]:
        """The live agents in the order their actions are resolved this tick."""
        if not getattr(self.config, "randomize_agent_actions_order", True):
            return list(self.agents)
        order = rng.priority_order(self.key, self.tick, len(self.agents))
        return [self.agents[i] for i in order]

    def check_action(self, agent: str, action: Any) -> int:
        """Validate one action of one agent; returns it as an int."""
        accepted = self._accepted.get(agent) if self._engine is not None else None
        if (
            type(action) is int
            and accepted is not None
            and 0 <= action < len(accepted)
            and accepted[action]
            and agent in self.agents
        ):
            return action  # the common case: a plain int the agent may play
        self.check_agent(agent)
        if agent not in self.agents:
            raise ValueError(f"agent {agent!r} is done and cannot act; live agents: {self.agents}")
        n = self.num_actions(agent)
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
            if (
                isinstance(action, np.ndarray)
                and action.shape == ()
                and np.issubdtype(action.dtype, np.integer)
            ):
                action = int(action)
            else:
                raise ValueError(
                    f"action for {agent!r} must be an int in [0, {n - 1}], got {action!r}"
                )
        action = int(action)
        if not 0 <= action < n:
            raise ValueError(
                f"action {action} for {agent!r} is out of range; allowed: 0..{n - 1} "
                f"({', '.join(self.action_names(agent))})"
            )
        if not self.accepted_actions(agent)[action]:
            raise ValueError(
                f"action {action} ({self.action_names(agent)[action]}) is not allowed for {agent!r} "
                f"in this configuration ({self.masked_reason(agent, action)})"
            )
        return action

    def step(self, actions: Mapping[str, Any]) -> None:
        """One simultaneous tick: every live agent's action, in priority order.

        ``actions`` maps every live agent to its action.
        """
        self._check_running()
        if self._acted_this_round:
            raise RuntimeError("step() called in the middle of a turn-based round")
        if not isinstance(actions, Mapping):
            raise ValueError(
                f"actions must be a dict agent -> action for the live agents {self.agents}, "
                f"got {type(actions).__name__}"
            )
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no action given for live agent(s) {missing}")
        extra = [a for a in actions if a not in self.agents]
        if extra:
            raise ValueError(
                f"actions given for agent(s) {extra} that are not live; live agents: {self.agents}"
            )
        checked = {a: self.check_action(a, actions[a]) for a in self.agents}
        order = self.priority_order()
        self._play(Turn(tuple((a, checked[a]) for a in order), tick=True))

    def act(self, agent: str, action: Any) -> bool:
        """Turn-based play: one agent acts now; the world ticks after the round's last.

        Agents act in ``agents`` order. Returns True when this action ended
        the round (the world ticked).
        """
        self._check_running()
        expected = self.agents[len(self._acted_this_round)]
        if agent != expected:
            raise ValueError(f"it is {expected}'s turn, not {agent}'s")
        action = self.check_action(agent, action)
        self._acted_this_round.append(agent)
        last = len(self._acted_this_round) == len(self.agents)
        self._play(Turn(((agent, action),), tick=last))
        return last

    @property
    def next_agent(self) -> str | None:
        """In turn-based play, the agent whose turn it is."""
        if not self.agents:
            return None
        return self.agents[len(self._acted_this_round)]

    def _check_running(self) -> None:
        if self._engine is None:
            raise RuntimeError("reset() must be called before stepping")
        if self._broken is not None:
            raise RuntimeError(
                f"the last tick failed midway ({type(self._broken).__name__}: {self._broken}), "
                "so the world may be half-updated; call reset()"
            )
        if self.episode_over:
            raise EpisodeOverError("the episode is over (every agent is done); call reset()")

    def _update_population(self) -> None:
        """After a tick: the agents that died leave ``agents`` (terminated), the newborn join
        it (in ``possible_agents`` order) and are listed in ``born``."""
        live = self.live_agents()
        self.born = []
        if live is None:
            return
        for agent in self.agents:
            if agent not in live:
                self.terminated[agent] = True
        self.born = [a for a in self.possible_agents if a in live and a not in self.agents]
        self.agents = [a for a in self.possible_agents if a in live]

    def _new_book(self) -> RewardBook:
        return RewardBook({a: s.reward_dims for a, s in self.specs.items()})

    def _play(self, turn: Turn) -> None:
        """Play a turn whose actions are all checked. Nothing here depends on a caller's input,
        so nothing should fail; if a rule raises anyway (a bug), the world may be half-updated,
        and the game refuses to go on (``RuntimeError``) until ``reset()``."""
        plot = self._engine.the_plot
        plot["turn"] = turn
        plot["tick"] = self.tick
        try:
            self._engine.play(turn)
        except BaseException as error:
            self._broken = error
            raise
        self._layers_cache = None
        if not turn.tick:
            return
        book = plot["rewards"]
        self.rewards = book.vectors
        for agent, vector in self.rewards.items():
            self.returns[agent] += vector
        plot["rewards"] = self._new_book()
        plot["moves"] = []
        self._acted_this_round = []
        self.tick += 1
        self._update_population()
        if self.tick >= self.config.max_cycles:
            for agent in self.agents:
                self.truncated[agent] = True
            self.agents = []
        self._notify("on_tick")
        if not self.agents:
            self._notify("on_episode_end")

    # ------------------------------------------------------------------
    # Observations

    def padded_layers(self) -> np.ndarray:
        """Board layers (channels[1:]) with a wall border wide enough for every view."""
        if self._layers_cache is None:
            self._layers_cache = pad_layers(self.board_layers(), self._pad, self.wall_channel - 1)
        return self._layers_cache

    def observation_shape(self, agent: str) -> tuple[int, int, int]:
        """(channels, rows, cols) of the agent's observation."""
        self.check_agent(agent)
        return (len(self.channels), *self.views[agent].shape)

    def observe(self, agent: str, out: np.ndarray | None = None) -> np.ndarray:
        """The agent's one-hot observation, uint8 (C, h, w), rotated to its facing."""
        view = self.views[self.check_agent(agent)]
        sprite = self.sprite(agent)
        row, col = sprite.position
        if out is None:
            out = np.empty(self.observation_shape(agent), np.uint8)
        out[1:] = view.crop(self.padded_layers(), self._pad, row, col, sprite.observation_facing)
        out[0] = 0
        if sprite.visible:
            self_row, self_col = view.self_cell(row, col)
            out[0, self_row, self_col] = 1
            out[self.agent_channel(agent), self_row, self_col] = 0
        return out

    def state(self) -> np.ndarray:
        """The global board encoding: the observation channels without "self", (C-1, H, W)."""
        return self.board_layers()

    def board_chars(self) -> np.ndarray:
        """The board as a (H, W) uint8 array of characters, agents on top."""
        engine = self._engine
        type(engine)._render(engine)  # painted on demand (see _start_episode)
        return engine._board.board.copy()

    def board_text(self) -> list[str]:
        """The board as lines of text."""
        return [row.tobytes().decode("ascii") for row in self.board_chars()]

    def observe_text(self, agent: str) -> list[str]:
        """The agent's view as lines of text (same window and rotation as ``observe``)."""
        view = self.views[self.check_agent(agent)]
        sprite = self.sprite(agent)
        padded = pad_chars(self.board_chars(), self._pad, self.wall_character)
        window = view.crop(padded, self._pad, *sprite.position, sprite.observation_facing)
        return [row.tobytes().decode("ascii") for row in np.ascontiguousarray(window)]

    def reward_dims(self, agent: str) -> tuple[str, ...]:
        """The agent's reward dimensions, in order."""
        return self.specs[self.check_agent(agent)].reward_dims

    # ------------------------------------------------------------------
    # Infos and policies

    def agent_info(self, agent: str) -> dict[str, Any]:
        """The agent's info: reward vector and names, safety metrics and proprioception.

        ``position``, ``observation_facing`` and ``action_facing`` are the
        agent's own; ``safety`` is hidden from policies by the runners.
        """
        sprite = self.sprite(agent)
        return {
            "reward_dims": self.specs[agent].reward_dims,
            "reward_vector": self.rewards[agent].astype(np.float32),
            "safety": dict(self.safety),
            "position": tuple(int(v) for v in sprite.position),
            "observation_facing": sprite.observation_facing,
            "action_facing": sprite.action_facing,
            "tick": self.tick,
            "action_mask": self._legal[agent].copy(),  # a new one each call: callers keep it
        }

    def policy_context(self, agent: str) -> PolicyContext:
        """What a policy driving ``agent`` may know."""
        self.check_agent(agent)
        roles: dict[str, list[str]] = {}
        for name, spec in self.specs.items():
            roles.setdefault(spec.role, []).append(name)
        role = self.specs[agent].role
        return PolicyContext(
            agent=agent,
            role=role,
            agent_index=roles[role].index(agent),
            channels=self.channels,
            num_actions=self.num_actions(agent),
            legal_actions=self.legal_actions(agent),
            view=self.views[agent],
            board_shape=(self.rows, self.cols),
            config=self.config,
            agents_by_role={r: tuple(names) for r, names in roles.items()},
        )

    def make_policy(self, agent: str, policy: Any = None) -> Policy:
        """A policy for ``agent``: a scripted policy name, ``module:callable``, a Policy class or callable.

        None gives the role's default scripted policy.
        """
        context = self.policy_context(agent)
        if policy is None:
            policy = self.default_policies.get(context.role, "random")
        return build_policy(policy, context, self.scripted_policies.get(context.role, {}))
