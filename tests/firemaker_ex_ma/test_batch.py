"""Differential tests: every slot of the Firemaker batch env against the pycolab game.

For each configuration, a batch of ``NUM_ENVS`` slots reset with seed s and ``NUM_ENVS``
pycolab games reset with seeds s, s + 1, ... are given the same random legal actions for
``TICKS`` steps (crossing episode ends where max_cycles is small: the batch's NEXT_STEP
autoreset is mirrored by ``game.reset()``), and every tick the observations of every agent,
the reward vectors, terminations, truncations, safety metrics and tick counts must be equal
exactly; the global state is compared every few ticks.

``AISG_BATCH_TEST_SCALE`` (a float, default 1) scales the number of ticks; the sanitizer run
(.ci/sanitize.sh) uses a small scale.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.batch import binding
from ai_safety_gridworlds.core.fire_survival import fire_survival
from environments.firemaker_ex_ma import PRESETS, FiremakerGame
from environments.firemaker_ex_ma.batch import make_vector_env as vector_env

SCALE = float(os.environ.get("AISG_BATCH_TEST_SCALE", "1"))
NUM_ENVS = 24
TICKS = max(10, int(160 * SCALE))

needs_c = pytest.mark.skipif(kernel.BACKEND != "c", reason="the C kernel is not active")


@pytest.fixture(autouse=True)
def threads_even_on_small_batches(monkeypatch):
    """Every batch here steps its slots on the default threads (every core), however few."""
    monkeypatch.setattr(binding, "GRAIN_WORK", 1)


HIGH_FIRE = dict(fire_spread_probability=0.03, fire_continuation_probability=0.99)

CONFIGS = {
    "default": {},
    "one_worker": dict(num_workers=1),
    "three_workers": dict(num_workers=3),
    "five_workers_small_episodes": dict(num_workers=5, max_cycles=40),
    "no_supervisor": dict(supervisor=False, num_workers=3),
    "level_1": dict(level=1),
    "generated_21x25": dict(map_width=25, map_height=21, max_cycles=70),
    "radius_int": dict(observation_radius=1, supervisor_observation_radius=3),
    "radius_tuple": dict(
        observation_radius=(1, 3, 4, 0), supervisor_observation_radius=(0, 2, 1, 5)
    ),
    "radius_none_and_global": dict(observation_radius=None, supervisor_observation_radius=-1),
    "observation_follows_moves": dict(
        observation_direction_mode=1, observation_radius=(1, 2, 3, 0)
    ),
    "relative_moves": dict(action_direction_mode=1, observation_direction_mode=1),
    "turning": dict(
        observation_direction_mode=2,
        action_direction_mode=2,
        turn_energy=0.25,
        observation_radius=(2, 1, 3, 1),
        supervisor_observation_radius=None,
    ),
    "turning_views_only": dict(observation_direction_mode=2, action_direction_mode=1),
    "turning_moves_only": dict(
        observation_direction_mode=1, action_direction_mode=2, supervisor_observation_radius=-1
    ),
    "linear_kernel": dict(
        fire_spread_kernel="linear", fire_max_distance=3.0, fire_spread_probability=0.02
    ),
    "cluster_boost": dict(HIGH_FIRE, fire_cluster_boost=0.7),
    "unlimited_distance": dict(
        fire_max_distance=None, fire_spread_probability=0.01, fire_spread_decay=0.6
    ),
    "noops_false": dict(noops=False),
    "fixed_order": dict(randomize_agent_actions_order=False, num_workers=4),
    "burning": dict(HIGH_FIRE, max_cycles=150),
    "anchor_compatible_burns": dict(
        fire_spread_kernel="linear",
        fire_max_distance=3.0,
        fire_spread_probability=0.05,
        fire_continuation_probability=0.95,
        stop_button_duration=3,
    ),
    "fire_fills_the_map": dict(
        fire_spread_probability=0.3,
        fire_continuation_probability=0.9,
        fire_cluster_boost=0.5,
        max_cycles=120,
    ),
    "odd_rewards": dict(
        movement_energy_reward=-0.3,
        working_energy_reward=-0.7,
        workshop_reward=3.3,
        workshop_operation_reward=0.1,
        external_fire_reward=-1.1,
        trespassing_reward=-0.01,
        stop_button_duration=0,
        max_cycles=25,
    ),
}


BURN_OUT = dict(
    HIGH_FIRE,
    burn_out_ticks=3,
    external_spread_multiplier=3.0,
    burnt_ground_reward=-2.5,
    supervisor_extinguishes=False,
    max_cycles=60,
)
"""Fast burn-out, a supercritical outside and short episodes (many autoresets)."""

CONFIGS.update(
    {f"preset_{name}": dict(PRESETS[name][0]) for name in ("seeking", "corrigibility", "large")},
    preset_seed_faithful=dict(PRESETS["seed_faithful"][0], **HIGH_FIRE),
    burn_out_across_resets=BURN_OUT,
    burn_out_no_supervisor_rotating_views=dict(
        supervisor=False,
        burn_out_ticks=1,
        external_spread_multiplier=5.0,
        fire_spread_probability=0.02,
        observation_radius=(2, 1, 0, 3),
        observation_direction_mode=1,
        burnt_ground_reward=-1.0,
    ),
    burn_out_level_2_global_views=dict(
        BURN_OUT, level=2, observation_radius=-1, supervisor_observation_radius=None
    ),
    button_rush=dict(HIGH_FIRE, map_width=9, map_height=9, max_cycles=50),
    # rows of more than one 64-bit word of source bits, and a partial 16-cell block
    wide_burning=dict(HIGH_FIRE, map_width=71, map_height=15, fire_spread_probability=0.06),
)
BURNS_OUT = {
    "burn_out_across_resets",
    "burn_out_no_supervisor_rotating_views",
    "burn_out_level_2_global_views",
}


def random_actions(gen: np.random.Generator, env, num_actions: int, noops: bool) -> np.ndarray:
    """Random legal actions; NOOP-heavy (when allowed) so workers stay and work sometimes."""
    low = 0 if noops else 1
    actions = gen.integers(low, num_actions, size=env.actions.shape)
    if noops:
        actions[gen.random(actions.shape) < 0.4] = 0
    return actions


def expected_outputs(games, agents, max_dims, just_reset):
    """What the batch should hold: observations, rewards, terminations, truncations, safety."""
    observations = {a: np.stack([g.observe(a) for g in games]) for a in agents}
    rewards = np.zeros((len(games), len(agents), max_dims), np.float32)
    for e, game in enumerate(games):
        if just_reset[e]:
            continue
        for i, agent in enumerate(agents):
            vector = game.rewards[agent]
            rewards[e, i, : len(vector)] = vector
    terminations = np.array([[g.terminated[a] for a in agents] for g in games])
    truncations = np.array([[g.truncated[a] for a in agents] for g in games])
    safety = np.array([list(g.safety.values()) for g in games], np.int64)
    return observations, rewards, terminations, truncations, safety


def assert_slots_match(env, games, just_reset, when: str) -> None:
    agents = env.possible_agents
    observations, rewards, terminations, truncations, safety = expected_outputs(
        games, agents, env.reward_buffer.shape[2], just_reset
    )
    for agent in agents:
        if not np.array_equal(env.observations[agent], observations[agent]):
            e = int(
                np.flatnonzero((env.observations[agent] != observations[agent]).any((1, 2, 3)))[0]
            )
            game = games[e]
            raise AssertionError(
                f"{when}: observation of {agent} in slot {e} differs at "
                f"{np.argwhere(env.observations[agent][e] != observations[agent][e])[:4].tolist()}; "
                f"position {game.position(agent)}, facing {game.sprite(agent).observation_facing}\n"
                + "\n".join(game.board_text())
            )
    np.testing.assert_array_equal(env.reward_buffer, rewards, err_msg=f"{when}: rewards")
    np.testing.assert_array_equal(env.termination_buffer, terminations, err_msg=when)
    np.testing.assert_array_equal(env.truncation_buffer, truncations, err_msg=when)
    np.testing.assert_array_equal(env.safety_buffer, safety, err_msg=f"{when}: safety")
    assert list(env.infos["safety"]) == list(games[0].safety)
    np.testing.assert_array_equal(env.infos["tick"], [g.tick for g in games], err_msg=when)


def run_differential(config: dict, seed: int, ticks: int, backend: str, num_envs: int) -> dict:
    """Step a batch and its pycolab twins together; returns the summed safety metrics."""
    env = vector_env(num_envs, backend=backend, **config)
    assert env.backend == backend
    games = [FiremakerGame(**config) for _ in range(num_envs)]
    env.reset(seed=seed)
    for i, game in enumerate(games):
        game.reset(seed=seed + i)
    agents = env.possible_agents
    just_reset = [True] * num_envs
    assert_slots_match(env, games, just_reset, "after reset")
    gen = np.random.default_rng(seed)
    num_actions = games[0].num_actions(agents[0])
    noops = games[0].config.noops
    totals: dict[str, int] = {}
    episodes = 0
    for tick in range(ticks):
        actions = random_actions(gen, env, num_actions, noops)
        just_reset = [g.episode_over for g in games]
        for e, game in enumerate(games):
            if game.episode_over:
                game.reset()
                episodes += 1
            else:
                game.step({a: int(actions[e, i]) for i, a in enumerate(agents)})
        env.step(actions)
        assert_slots_match(env, games, just_reset, f"tick {tick}")
        if tick % 25 == 0:
            np.testing.assert_array_equal(env.state(), np.stack([g.state() for g in games]))
        safety = env.infos["safety"]
        for name in ("external_fire_ticks", "workshop_ticks", "total_fires", "burnt_cells"):
            totals[name] = totals.get(name, 0) + int(safety[name].sum())
        totals["max_fires"] = max(totals.get("max_fires", 0), int(safety["total_fires"].max()))
        totals["stop_delays"] = totals.get("stop_delays", 0) + int(
            (safety["stop_delay"] >= 0).sum()
        )
    totals["episodes"] = episodes
    return totals


@needs_c
@pytest.mark.parametrize("name", list(CONFIGS))
def test_c_batch_slots_equal_pycolab_games(name):
    config = CONFIGS[name]
    totals = run_differential(
        config, seed=1000 + 17 * len(name), ticks=TICKS, backend="c", num_envs=NUM_ENVS
    )
    assert totals["workshop_ticks"] > 0  # workers did work, so the fire had sources
    if "max_cycles" in config and config["max_cycles"] < TICKS:
        assert totals["episodes"] > 0  # autoresets were crossed
    if name in ("burning", "anchor_compatible_burns", "cluster_boost", "fire_fills_the_map"):
        assert totals["external_fire_ticks"] > 0
    if name in (
        "burning",
        "cluster_boost",
        "fire_fills_the_map",
        "preset_seed_faithful",
        "wide_burning",
    ):
        # enough fires that death marks decided survival (core.fire_survival.FireSurvival)
        game = FiremakerGame(**config)
        survival = fire_survival(game.config.fire_continuation_probability, game.rows * game.cols)
        assert totals["max_fires"] > survival.marks_from
    if name in ("unlimited_distance", "preset_seed_faithful"):
        # most of the 225 interior cells burned at some point: fewer cells that could be
        # sources were not than were, so the batch counted those (full_counts) instead
        assert totals["max_fires"] > 150
    if name in BURNS_OUT:
        assert totals["burnt_cells"] > 0  # the burnt ground channel was compared, not all zero
    if name == "button_rush":
        assert totals["stop_delays"] > 0  # presses after external fires, so stop_delay was set


@pytest.mark.parametrize(
    "name",
    [
        "default",
        "five_workers_small_episodes",
        "turning",
        "burning",
        "noops_false",
        "burn_out_across_resets",
    ],
)
def test_numpy_fallback_slots_equal_pycolab_games(name):
    run_differential(CONFIGS[name], seed=77, ticks=max(10, TICKS // 4), backend="numpy", num_envs=6)


@needs_c
def test_c_batch_long_episodes_cross_resets_with_every_seed():
    """Thousands of ticks in a few slots: several full default-length episodes."""
    ticks = max(50, int(2100 * SCALE))
    totals = run_differential(
        dict(max_cycles=500, **HIGH_FIRE), seed=31337, ticks=ticks, backend="c", num_envs=3
    )
    assert totals["episodes"] >= 3 * (ticks // 501)
