"""Differential tests: every slot of the diamond charger batch env against the pycolab game.

For each configuration, a batch of slots reset with seed s and as many pycolab games reset with
seeds s, s + 1, ... get the same actions every tick (crossing episode ends where max_cycles is
small: the batch's NEXT_STEP autoreset is mirrored by ``game.reset()``), and every tick the
observations of every agent, the reward vectors, terminations, truncations, safety metrics
(``hearts_gini`` included, compared as exact floats) and tick counts must be equal; the global
state is compared every few ticks. Actions are random legal ones weighted towards the
interacting actions, or, for the "policies" configurations, those of the scripted policies
(greedy miner, raider, sharer, crafter; for "social_policies" suitor, guardian, raider, scout)
run on the pycolab twins, with some random ones mixed in, so that hearts, raids, gifts, marks
and bonds actually happen.

The per-episode draws are also compared directly: the level-2 arena generator and the kinship
Beta draws (integer parameters and the Marsaglia-Tsang path) of the kernel against the Python
functions, over many keys.

``AISG_BATCH_TEST_SCALE`` (a float, default 1) scales the number of ticks; the sanitizer run
(.ci/sanitize.sh) uses a small scale.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import environments.diamond_charger_ma as diamond
from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.batch import binding
from ai_safety_gridworlds.core import rng
from ai_safety_gridworlds.core.rollout import policy_info
from environments.diamond_charger_ma import (
    GLOBAL_METRICS,
    LEGACY_METABOLISM,
    PER_AGENT_METRICS,
    PRESETS,
    Action,
    DiamondChargerGame,
    maps,
)
from environments.diamond_charger_ma import kinship as kinships
from environments.diamond_charger_ma.actions import MARKER_SYMBOL
from environments.diamond_charger_ma.batch import make_vector_env as vector_env

SCALE = float(os.environ.get("AISG_BATCH_TEST_SCALE", "1"))
NUM_ENVS = 12
TICKS = max(12, int(150 * SCALE))

needs_c = pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active")


@pytest.fixture(autouse=True)
def threads_even_on_small_batches(monkeypatch):
    """Every batch here steps its slots on the default threads (every core), however few."""
    monkeypatch.setattr(binding, "GRAIN_WORK", 1)


DENSE_MAP = (
    "###########",
    "#A D C A D#",
    "# 0 1 2 3 #",
    "#C D A C A#",
    "# 4 5 6 7 #",
    "#D A C D C#",
    "###########",
)
"""Eight agents between mines, chargers and altars: random actions make hearts here."""
DENSE = dict(
    map_art=DENSE_MAP,
    start_energy=120,
    max_energy=200,
    altar_energy=30,
    charger_energy=60,
    mine_stock=2,
    mine_cooldown=2,
    mine_regrow_ticks=7,
    charger_cooldown=1,
    altar_cooldown=1,
)
ECONOMY_MAP = (
    "##########",
    "#OFHDOCFA#",
    "#01234567#",
    "#        #",
    "# H O F D#",
    "##########",
)
"""Eight agents side by side, each under a mine or a converter: gifts along the row feed the chain."""
ECONOMY = dict(
    DENSE,
    map_art=ECONOMY_MAP,
    recipes="forge=F: 1 ore -> 1 battery / 2; "
    "press=H: 1 battery + 10 energy -> 2 hearts + 1 ore / 1",
)
BUILDERS = dict(
    ECONOMY,
    map_art=(
        "##########",
        "#OFHD=OCA#",
        "#01234567#",
        "#   ==   #",
        "# H O F D#",
        "##########",
    ),
    build_resource="ore",
    destructible=("built_wall", "wall", "mine", "converter"),
    built_wall_hp=2,
    wall_hp=2,
    object_hp=3,
)
"""The economy's row of agents with barriers, everything destructible and walls built of ore."""
SMALL_ARENA = dict(
    level=2, arena_size=20, num_agents=6, arena_mines=3, arena_chargers=2, arena_altars=2
)
CROWDED_ARENA = dict(  # issue 11's example: room arenas fit for few seeds
    level=2,
    arena_size=14,
    arena_mines=8,
    arena_chargers=1,
    arena_altars=1,
    num_agents=2,
    num_teams=1,
    max_cycles=2,
)
MATRIX = tuple(
    tuple(1.0 if i == j else round(0.1 * ((i * 7 + j * 7) % 11), 1) for j in range(4))
    for i in range(4)
)

# name: (config, driver, num_envs)
CONFIGS = {
    "default": ({}, "random", NUM_ENVS),
    "default_policies": ({}, "policies", NUM_ENVS),
    "level_1_policies": (dict(level=1, max_cycles=100), "policies", 6),
    "level_2_arena_per_episode": (dict(level=2, max_cycles=40), "random", 4),
    "level_2_policies_hives": (dict(level=2, kinship="hives", max_cycles=70), "policies", 3),
    "level_2_fixed_arena": (dict(level=2, map_seed=11, kinship="independent"), "random", 3),
    "small_arenas_many_resets": (dict(SMALL_ARENA, max_cycles=9), "random", NUM_ENVS),
    "crowded_arenas_autoreset": (CROWDED_ARENA, "random", NUM_ENVS),
    "dense_economy": (dict(DENSE, max_cycles=60), "random", NUM_ENVS),
    "dense_teams_and_threshold": (
        dict(DENSE, team_sizes=(1, 3, 4), kin_threshold=1.0, max_cycles=45),
        "random",
        NUM_ENVS,
    ),
    "independent": (dict(kinship="independent"), "policies", NUM_ENVS),
    "random_kinship_uniform": (dict(DENSE, kinship="random", max_cycles=20), "random", NUM_ENVS),
    "random_kinship_order_statistics": (
        dict(DENSE, kinship="random", kinship_beta_a=3, kinship_beta_b=5, max_cycles=20),
        "random",
        NUM_ENVS,
    ),
    "random_kinship_gamma": (
        dict(DENSE, kinship="random", kinship_beta_a=0.4, kinship_beta_b=2.7, max_cycles=20),
        "random",
        NUM_ENVS,
    ),
    "random_kinship_gamma_large": (
        dict(level=1, kinship="random", kinship_beta_a=7.3, kinship_beta_b=1.5, max_cycles=30),
        "random",
        4,
    ),
    "hives_one_clan_per_team": (
        dict(DENSE, kinship="hives", team_sizes=(2, 2, 2, 2), teams_per_clan=2, clan_kinship=0.3),
        "random",
        NUM_ENVS,
    ),
    "matrix": (dict(kinship="matrix", kinship_matrix=MATRIX), "policies", NUM_ENVS),
    "mate_selection": (
        dict(DENSE, mate_selection=True, kinship="independent", bond_window_ticks=25),
        "random",
        NUM_ENVS,
    ),
    "mate_selection_level_0": (
        dict(mate_selection=True, bond_energy=0, bond_kinship=0.35, max_cycles=80),
        "random",
        NUM_ENVS,
    ),
    "bonds_breakable_and_marker_symbols": (
        dict(
            DENSE,
            mate_selection=True,
            bond_breakable=True,
            bond_share=0.3,
            bond_energy=2,
            bond_break_energy=1,
            bond_window_ticks=30,
            marker_symbols=5,
            stranger_threshold=0.4,
            kinship="random",
            max_cycles=70,
        ),
        "random",
        NUM_ENVS,
    ),
    "narrow_views_bonds_and_markers": (
        dict(
            DENSE,
            mate_selection=True,
            bond_breakable=True,
            bond_kinship=0.2,
            bond_share=1.0,
            heart_reward=-1.3,
            marker_symbols=8,
            observation_radius=(0, 4, 2, 1),
            bodies=("default", "rest", "scout"),
            kinship="teams",
        ),
        "random",
        NUM_ENVS,
    ),
    "social_policies_mate_selection": (
        dict(
            DENSE,
            mate_selection=True,
            marker_symbols=2,
            kinship="random",
            bond_share=0.4,
            max_cycles=100,
        ),
        "social_policies",
        6,
    ),
    "social_policies_hives_level_1": (
        dict(level=1, kinship="hives", marker_symbols=3, max_cycles=120),
        "social_policies",
        3,
    ),
    "noops_false": (dict(DENSE, noops=False), "random", NUM_ENVS),
    "north_up_views": (dict(DENSE, observation_direction_mode=0), "random", NUM_ENVS),
    "north_up_policies": (dict(observation_direction_mode=0), "policies", NUM_ENVS),
    "fixed_order": (dict(DENSE, randomize_agent_actions_order=False), "random", NUM_ENVS),
    "radius_tuple": (dict(DENSE, observation_radius=(1, 3, 4, 0)), "random", NUM_ENVS),
    "radius_none": (dict(observation_radius=None), "random", 6),
    "radius_none_north_up": (
        dict(DENSE, observation_radius=None, observation_direction_mode=0),
        "random",
        6,
    ),
    "global_view": (dict(DENSE, observation_radius=-1), "random", 6),
    "radius_0": (dict(DENSE, observation_radius=0), "random", NUM_ENVS),
    "odd_rules": (
        dict(
            DENSE,
            start_energy=15,
            heart_reward=-0.7,
            kin_threshold=0.3,
            freeze_ticks=0,
            steal_energy_percent=100,
            shield_upkeep_energy=0,
            shield_absorb=0,
            max_markers=1,
            marker_lifetime=1,
            mine_regrow_ticks=0,
            give_energy_amount=300,
            num_colours=1,
            attack_range=20,
            max_cycles=33,
        ),
        "random",
        NUM_ENVS,
    ),
    "metabolism": (
        dict(DENSE, upkeep_energy=3, rest_energy=5, rest_limit=40, start_energy=30),
        "random",
        NUM_ENVS,
    ),
    "legacy_metabolism": (dict(LEGACY_METABOLISM), "policies", NUM_ENVS),
    "bodies_with_postures": (
        dict(
            DENSE,
            bodies=("fighter/worker/rest", "scout", "worker/scout"),
            posture_cooldown=3,
            start_energy=200,
        ),
        "random",
        NUM_ENVS,
    ),
    "bodies_drawn_per_episode": (
        dict(
            DENSE,
            bodies=("fighter/worker", "scout", "tank/rest"),
            profiles="tank: max_energy=500, carry=1, view=2, move=4, upkeep=3",
            body_assignment="random",
            body_weights=(3, 1, 2),
            posture_cooldown=0,
            max_cycles=25,
        ),
        "random",
        NUM_ENVS,
    ),
    "economy": (dict(ECONOMY, max_cycles=70), "random", NUM_ENVS),
    "builders": (dict(BUILDERS, max_cycles=90), "random", NUM_ENVS),
    "builders_diamond_walls_strong_hits": (
        dict(BUILDERS, build_resource="diamond", build_amount=1, attack_damage=5, wall_hp=7),
        "random",
        NUM_ENVS,
    ),
    "arena_walls_destructible": (
        dict(SMALL_ARENA, destructible=("wall", "mine"), wall_hp=1, max_cycles=30),
        "random",
        4,
    ),
    "population": (
        dict(
            DENSE,
            max_population=20,
            reproduction=True,
            starvation_ticks=6,
            reproduce_energy=30,
            offspring_energy=40,
            reproduce_cooldown=4,
            rest_energy=0,
            mutation_rate=0.3,
            bodies=("default", "scout", "fighter/worker"),
            max_cycles=80,
        ),
        "random",
        NUM_ENVS,
    ),
    "population_bonded_pairs": (
        dict(
            DENSE,
            max_population=16,
            mate_selection=True,
            bond_breakable=True,
            bond_energy=2,
            bond_break_energy=1,
            bond_window_ticks=30,
            kinship="random",
            reproduction=True,
            starvation_ticks=6,
            reproduce_energy=20,
            offspring_energy=40,
            reproduce_cooldown=3,
            rest_energy=0,
            max_cycles=80,
        ),
        "random",
        NUM_ENVS,
    ),
    "population_arena_random_kinship": (
        dict(
            SMALL_ARENA,
            max_population=14,
            reproduction=True,
            starvation_ticks=4,
            start_energy=40,
            reproduce_energy=10,
            offspring_energy=20,
            reproduce_cooldown=2,
            rest_energy=0,
            kinship="random",
            kinship_beta_a=2,
            kinship_beta_b=3,
            max_cycles=40,
        ),
        "random",
        4,
    ),
    "population_builders_economy": (
        dict(
            BUILDERS,
            max_population=16,
            reproduction=True,
            starvation_ticks=5,
            reproduce_energy=20,
            offspring_energy=30,
            reproduce_cooldown=3,
            rest_energy=0,
            max_cycles=60,
        ),
        "random",
        NUM_ENVS,
    ),
    "economy_preset_policies": (dict(PRESETS["economy"][0], max_cycles=300), "policies", 6),
    "economy_small_carry": (
        dict(ECONOMY, bodies=("scout/worker", "default"), posture_cooldown=1, max_diamonds=2),
        "random",
        NUM_ENVS,
    ),
    "bodies_by_team_policies": (
        dict(level=1, bodies=("worker", "fighter/worker", "scout"), body_assignment="teams"),
        "policies",
        4,
    ),
    "costly_actions": (
        dict(
            DENSE,
            noop_energy=2,
            move_energy=7,
            rotate_energy=2,
            use_energy=3,
            attack_energy=40,
            shield_toggle_energy=5,
            shield_upkeep_energy=4,
            give_diamond_energy=2,
            marker_energy=9,
            colour_energy=1,
            freeze_ticks=300,
            max_markers=5,
            marker_lifetime=200,
            max_diamonds=2,
            mine_stock=1,
        ),
        "random",
        NUM_ENVS,
    ),
}

ACTION_WEIGHTS = {
    Action.NOOP: 1.0,
    Action.ROTATE_LEFT: 1.0,
    Action.ROTATE_RIGHT: 1.0,
    Action.MOVE_FORWARD: 2.0,
    Action.MOVE_BACK: 1.0,
    Action.USE: 3.0,
    Action.ATTACK: 1.0,
    Action.TOGGLE_SHIELD: 0.5,
    Action.GIVE_ENERGY: 1.0,
    Action.GIVE_DIAMOND: 1.0,
    Action.PLACE_MARKER: 1.0,
    Action.CHANGE_COLOUR: 0.5,
    Action.BOND: 2.0,
    Action.SWITCH_POSTURE: 1.0,
    Action.GIVE_ORE: 1.0,
    Action.GIVE_BATTERY: 1.0,
    Action.BUILD: 1.0,
    Action.REPRODUCE: 2.0,
    Action.BREAK_BOND: 2.0,
    **{action: 0.5 for action in MARKER_SYMBOL if action != Action.PLACE_MARKER},
}
"""Relative frequency of each action."""
POLICY_NAMES = ("greedy_miner", "raider", "sharer", "crafter")
SOCIAL_POLICY_NAMES = ("suitor", "guardian", "raider(max_kinship=0.6)", "suitor", "scout")
RANDOM_SHARE = 0.2
"""Share of random actions mixed into the scripted policies' actions."""


class Driver:
    """Chooses every slot's actions: weighted random ones, or the pycolab twins' policies."""

    def __init__(self, kind: str, games, seed: int):
        self.kind = kind
        self.games = games
        self.gen = np.random.default_rng(seed)
        game = games[0]
        self.agents = game.possible_agents
        num_actions = game.num_actions(self.agents[0])
        legal = game.legal_actions(self.agents[0]).astype(bool)
        weights = np.array([ACTION_WEIGHTS.get(a, 0.0) for a in range(num_actions)]) * legal
        self.probabilities = weights / weights.sum()
        self.policies = [None] * len(games)

    def start(self, e: int, episode_seed: int) -> None:
        """A slot's game was (re)set: fresh policies for it."""
        if self.kind == "random":
            return
        game = self.games[e]
        names = SOCIAL_POLICY_NAMES if self.kind == "social_policies" else POLICY_NAMES
        policies = {
            a: game.make_policy(a, names[i % len(names)]) for i, a in enumerate(self.agents)
        }
        for i, policy in enumerate(policies.values()):
            policy.reset(episode_seed * 101 + i)
        self.policies[e] = policies

    def actions(self) -> np.ndarray:
        shape = (len(self.games), len(self.agents))
        actions = self.gen.choice(len(self.probabilities), size=shape, p=self.probabilities)
        if self.kind != "random":
            scripted = self.gen.random(shape) >= RANDOM_SHARE
            for e, game in enumerate(self.games):
                if game.episode_over:
                    continue
                for i, a in enumerate(self.agents):
                    if scripted[e, i] and a in game.agents:
                        info = policy_info(game.agent_info(a))
                        actions[e, i] = self.policies[e][a].act(game.observe(a), info)
        return actions


def assert_slots_match(env, games, just_reset, when: str) -> None:
    agents = env.possible_agents
    for agent in agents:
        expected = np.stack([g.observe(agent) for g in games])
        if not np.array_equal(env.observations[agent], expected):
            e = int(np.flatnonzero((env.observations[agent] != expected).any((1, 2, 3)))[0])
            game = games[e]
            where = np.argwhere(env.observations[agent][e] != expected[e])[:4].tolist()
            raise AssertionError(
                f"{when}: observation of {agent} in slot {e} differs at (channel, row, col) "
                f"{where}; position {game.position(agent)}, facing "
                f"{game.sprite(agent).observation_facing}\n" + "\n".join(game.board_text())
            )
    rewards = np.zeros(env.reward_buffer.shape, np.float32)
    for e, game in enumerate(games):
        if not just_reset[e]:
            for i, agent in enumerate(agents):
                rewards[e, i] = game.rewards[agent]
    np.testing.assert_array_equal(env.reward_buffer, rewards, err_msg=f"{when}: rewards")
    terminations = np.array([[g.terminated[a] for a in agents] for g in games])
    truncations = np.array([[g.truncated[a] for a in agents] for g in games])
    np.testing.assert_array_equal(env.termination_buffer, terminations, err_msg=when)
    np.testing.assert_array_equal(env.truncation_buffer, truncations, err_msg=when)
    assert list(env.infos["safety"]) == list(games[0].safety)
    for name, values in env.infos["safety"].items():
        expected = [g.safety[name] for g in games]
        if values.tolist() != expected:  # exact, floats included
            raise AssertionError(f"{when}: safety {name}: {values.tolist()} != {expected}")
    np.testing.assert_array_equal(env.infos["tick"], [g.tick for g in games], err_msg=when)
    alive = np.array([[a in g.live_agents() for a in agents] for g in games])
    np.testing.assert_array_equal(env.alive_buffer, alive, err_msg=f"{when}: alive")


def run_differential(
    config: dict,
    seed: int,
    ticks: int,
    backend: str,
    num_envs: int,
    driver: str = "random",
    on_tick=None,
) -> dict:
    """Step a batch and its pycolab twins together; returns summed metrics over the run.
    ``on_tick(games)`` (optional) is called after every tick (the soak tests check invariants)."""
    env = vector_env(num_envs, backend=backend, **config)
    assert env.backend == backend
    games = [DiamondChargerGame(**config) for _ in range(num_envs)]
    chooser = Driver(driver, games, seed)
    env.reset(seed=seed)
    for e, game in enumerate(games):
        game.reset(seed=seed + e)
        chooser.start(e, seed + e)
    agents = env.possible_agents
    assert_slots_match(env, games, [True] * num_envs, "after reset")
    totals = {"episodes": 0, "nonzero_gini_ticks": 0}
    for tick in range(ticks):
        actions = chooser.actions()
        just_reset = [g.episode_over for g in games]
        for e, game in enumerate(games):
            if game.episode_over:
                game.reset()
                chooser.start(e, seed + 1000 * tick + e)
                totals["episodes"] += 1
            else:
                game.step({a: int(actions[e, i]) for i, a in enumerate(agents) if a in game.agents})
        env.step(actions)
        assert_slots_match(env, games, just_reset, f"tick {tick}")
        if on_tick is not None:
            on_tick(games)
        if tick % 10 == 0:
            np.testing.assert_array_equal(env.state(), np.stack([g.state() for g in games]))
        safety = env.infos["safety"]
        totals["nonzero_gini_ticks"] += int(np.count_nonzero(safety["hearts_gini"]))
        totals["bonds_formed"] = totals.get("bonds_formed", 0) + int(safety["bonds_formed"].sum())
        transferred = float(np.abs(safety["bond_reward_transferred"]).sum())
        totals["bond_reward_transferred"] = max(
            totals.get("bond_reward_transferred", 0), transferred
        )
        for metric in GLOBAL_METRICS:
            totals[metric] = max(totals.get(metric, 0), int(safety[metric].sum()))
        for metric in PER_AGENT_METRICS:
            # summed at each slot's last tick before a reset would lose counts; the maximum
            # over ticks of the per-tick sum is enough to show a metric was exercised
            value = sum(int(safety[f"{metric}/{a}"].sum()) for a in agents)
            totals[metric] = max(totals.get(metric, 0), value)
    return totals


@needs_c
@pytest.mark.parametrize("name", list(CONFIGS))
def test_c_batch_slots_equal_pycolab_games(name):
    config, driver, num_envs = CONFIGS[name]
    totals = run_differential(
        config,
        seed=2000 + 31 * len(name),
        ticks=TICKS,
        backend="c",
        num_envs=num_envs,
        driver=driver,
    )
    if config.get("max_cycles", 1000) < TICKS:
        assert totals["episodes"] > 0  # autoresets were crossed
    if SCALE >= 1:
        if name.startswith("dense") or driver != "random":
            assert totals["hearts"] > 0 and totals["nonzero_gini_ticks"] > 0
        if name.startswith("dense") or name in ("odd_rules", "costly_actions"):
            for metric in ("attacks", "freezes", "markers_placed", "shield_ticks"):
                assert totals[metric] > 0, metric
        if name.startswith("dense"):
            for metric in ("energy_given", "diamonds_given", "energy_stolen", "diamonds_stolen"):
                assert totals[metric] > 0, metric
        if name.startswith("mate_selection") or name.startswith("bonds"):
            assert totals["bonds_formed"] > 0
        if name.startswith("narrow") or driver == "social_policies":
            assert totals["markers_seen"] > 0
        if driver == "social_policies":
            for metric in ("shield_ticks", "energy_given", "attacks_on_strangers"):
                assert totals[metric] > 0, metric
        if name == "social_policies_mate_selection":
            assert totals["bonds_formed"] > 0 and totals["bond_reward_transferred"] != 0
        if name.startswith("bonds"):
            for metric in ("bonds_broken", "markers_seen", "shield_absorptions"):
                assert totals[metric] > 0, metric
            assert totals["bond_reward_transferred"] != 0
        if name in ("odd_rules", "metabolism"):
            assert totals["zero_energy_ticks"] > 0
        if name.startswith("bodies_with") or name.startswith("bodies_drawn"):
            assert totals["posture_switches"] > 0
        if name.startswith("builders") or name.startswith("arena_walls"):
            assert totals["objects_destroyed"] > 0
        if name.startswith("builders"):
            assert totals["walls_built"] > 0
        if name.startswith("population"):
            assert totals["births"] > 0 and totals["deaths"] > 0
        if name == "population_bonded_pairs":
            assert totals["bonds_formed"] > 0 and totals["bonds_broken"] > 0
        if name.startswith("economy"):
            for metric in ("mined_ore", "produced_battery", "consumed_ore", "hearts"):
                assert totals[metric] > 0, metric


@needs_c
def test_c_batch_thousands_of_ticks_cross_many_episodes():
    """A few slots for thousands of ticks: full default-length episodes, then short ones."""
    ticks = max(60, int(2500 * SCALE))
    totals = run_differential(
        dict(max_cycles=800), seed=4242, ticks=ticks, backend="c", num_envs=3, driver="policies"
    )
    assert totals["episodes"] >= 3 * (ticks // 801)
    totals = run_differential(
        dict(
            DENSE,
            mate_selection=True,
            bond_breakable=True,
            marker_symbols=4,
            kinship="random",
            kinship_beta_a=1.5,
            max_cycles=150,
        ),
        seed=99,
        ticks=ticks,
        backend="c",
        num_envs=4,
    )
    assert totals["episodes"] >= 4 * (ticks // 151)


@needs_c
@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_as_shipped_c_batch_equals_pycolab_across_autoresets(preset):
    """Every registered preset with its own config (short episodes, so two autoresets are
    crossed); the soak tests (test_soak.py, slow) run each for thousands of ticks."""
    config = dict(PRESETS[preset][0], max_cycles=12)
    totals = run_differential(
        config, seed=3100 + len(preset), ticks=30, backend="c", num_envs=2, driver="policies"
    )
    assert totals["episodes"] == 2 * 2  # both slots reset at ticks 12 and 25


@pytest.mark.parametrize(
    "name",
    [
        "default_policies",
        "small_arenas_many_resets",
        "random_kinship_gamma",
        "mate_selection",
        "population",
        "bonds_breakable_and_marker_symbols",
    ],
)
def test_numpy_fallback_slots_equal_pycolab_games(name):
    config, driver, _ = CONFIGS[name]
    run_differential(
        config, seed=77, ticks=max(10, TICKS // 3), backend="numpy", num_envs=4, driver=driver
    )


# --------------------------------------------------------------------------- per-episode draws


def kernel_of(env):
    return env._backend


@needs_c
@pytest.mark.parametrize(
    "arena",
    [
        dict(level=2),
        dict(level=2, kinship="hives"),
        dict(SMALL_ARENA),
        dict(
            level=2,
            arena_size=37,
            num_agents=9,
            num_teams=5,
            arena_mines=3,
            arena_chargers=2,
            arena_altars=1,
        ),
        dict(level=2, arena_size=90, num_agents=36, arena_mines=30, arena_chargers=1),
        dict(level=2, arena_size=14, num_agents=4, arena_mines=1, arena_chargers=1, arena_altars=1),
        CROWDED_ARENA,  # room arenas rarely fit: retries and the open arena
        dict(level=2, arena_size=16, num_agents=1, arena_mines=13, arena_chargers=0),
        dict(level=2, arena_size=15, num_agents=36, arena_mines=20, arena_chargers=8),
    ],
)
def test_arena_generator_in_c_equals_python(arena):
    env = vector_env(1, **arena)
    game = DiamondChargerGame(**arena)
    layout = game.layout
    config = game.config
    for index in range(40):
        key = rng.episode_key(index * 7919, index % 3)
        art = maps.generate_arena(
            key,
            config.arena_size,
            layout.team_sizes,
            config.arena_mines,
            config.arena_chargers,
            config.arena_altars,
        )
        board = maps.DiamondMap.from_art(art)
        expected = (
            board.wall * 1
            + board.mine * 2
            + board.converter * 4
            + np.isin(np.array([list(r) for r in art]), list(maps.AGENT_CHARACTERS)) * 16
        ).astype(np.uint8)
        cells, start = kernel_of(env).generate_arena(key)
        np.testing.assert_array_equal(cells, expected, err_msg=f"key {key}")
        assert [tuple(s) for s in start.tolist()] == list(board.agent_starts)


def test_crowded_arenas_retry_then_open_and_every_accepted_one_generates():
    """Issue 11: an accepted level-2 config whose room arenas do not always fit raised in
    reset (or, in the batch, left a half-built slot); now a room arena is drawn again, and
    after ARENA_ATTEMPTS the open arena, whose capacity the config checks, is used."""
    game = DiamondChargerGame(**CROWDED_ARENA)
    for seed in range(60):
        game.reset(seed=seed)
        board = game.map
        assert (int(board.mine.sum()), int(board.charger.sum()), int(board.altar.sum())) == (
            8,
            1,
            1,
        )
        assert board.is_connected() and board.wall[1:-1, 1:-1].any()  # rooms
    packed = DiamondChargerGame(
        level=2, arena_size=15, num_agents=36, arena_mines=25, arena_chargers=0, arena_altars=0
    )
    packed.reset(seed=3)
    board = packed.map
    assert not board.wall[1:-1, 1:-1].any() and int(board.mine.sum()) == 25  # the open arena
    assert board.agent_starts[:3] == ((1, 1), (1, 2), (1, 3)) and board.is_connected()
    over = dict(CROWDED_ARENA, arena_mines=25 - 1)  # a 14 x 14 arena always holds 25 objects
    with pytest.raises(ValueError, match=r"arena_mines \+ arena_chargers \+ arena_altars = 26"):
        DiamondChargerGame(**over)


@needs_c
@pytest.mark.parametrize(
    "a, b",
    [(1, 1), (2, 1), (1, 3), (3, 5), (40, 60), (0.5, 0.5), (0.1, 7.0), (2.5, 2.5), (7.3, 1.5)],
)
def test_kinship_draws_in_c_equal_python_bit_for_bit(a, b):
    config = dict(level=1, kinship="random", kinship_beta_a=a, kinship_beta_b=b)
    env = vector_env(1, **config)
    layout = DiamondChargerGame(**config).layout
    for index in range(25):
        key = rng.episode_key(index, 5)
        expected = kinships.kinship_matrix(
            "random", layout.teams, layout.clans, beta_a=a, beta_b=b, key=key
        )
        got = kernel_of(env).episode_kinship(key)
        assert got.tobytes() == expected.tobytes(), (a, b, key)


def test_metric_blocks_follow_the_games_safety_order():
    from ai_safety_gridworlds.batch import binding as batch_kernel

    names = list(DiamondChargerGame().new_safety())
    assert names[: 2 + len(GLOBAL_METRICS)] == ["hearts_gini", "bonds_formed", *GLOBAL_METRICS]
    if batch_kernel.available():
        lib = batch_kernel._lib
        assert lib.DC_GLOBAL_BONDS_FORMED == 0
        for i, metric in enumerate(GLOBAL_METRICS):
            what, _, resource = metric.partition("_")
            if what in ("mined", "produced", "consumed"):  # one block per resource
                first = getattr(lib, f"DC_GLOBAL_{what.upper()}")
                assert first + diamond.RESOURCES.index(resource) == i + 1
            else:
                assert getattr(lib, f"DC_GLOBAL_{metric.upper()}") == i + 1
        assert 1 + len(GLOBAL_METRICS) == lib.DC_NUM_GLOBAL_METRICS
        for i, metric in enumerate(PER_AGENT_METRICS):
            assert getattr(lib, f"DC_METRIC_{metric.upper()}") == i
        assert len(PER_AGENT_METRICS) == lib.DC_NUM_AGENT_METRICS
        assert max(Action) + 1 == lib.DC_NUM_ACTIONS
        for i, metric in enumerate(diamond.FLOAT_METRICS):
            assert getattr(lib, f"DC_FLOAT_{metric.upper()}") == i
        assert len(diamond.FLOAT_METRICS) == lib.DC_NUM_GLOBAL_FLOAT_METRICS
        for i, metric in enumerate(diamond.PER_AGENT_FLOAT_METRICS):
            assert getattr(lib, f"DC_FLOAT_{metric.upper()}") == i
        assert len(diamond.PER_AGENT_FLOAT_METRICS) == lib.DC_NUM_AGENT_FLOAT_METRICS
