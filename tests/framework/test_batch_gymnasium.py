"""The batch as a real gymnasium.vector.VectorEnv: Dict spaces, masks in the spaces, layouts,
scalar rewards, render, close, context manager, np_random, unwrapped.

Both environments, both backends where it matters. Exact values come from the pycolab path
(parallel_env) for the same seeds and actions.
"""

from __future__ import annotations

import pickle

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from gymnasium.wrappers import vector as vector_wrappers

from environments import diamond_charger_ma, firemaker_ex_ma

C = len(firemaker_ex_ma.CHANNELS)

MODULES = {"firemaker_ex_ma": firemaker_ex_ma, "diamond_charger_ma": diamond_charger_ma}
BACKENDS = ("c", "numpy")


def _legal_random_actions(env, rng):
    """A dict agent -> legal actions (num_envs,) drawn from ``rng``."""
    actions = {}
    for agent, space in env.single_action_space.items():
        actions[agent] = int(space.start) + rng.integers(int(space.n), size=env.num_envs)
    return actions


@pytest.mark.parametrize("name", MODULES)
def test_the_batch_is_a_gymnasium_vector_env_with_dict_spaces_keyed_by_agent(name):
    env = MODULES[name].vector_env(3, noops=False)
    assert isinstance(env, gymnasium.vector.VectorEnv)
    assert env.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    assert env.unwrapped is env and env.spec is None and env.closed is False
    for space in (env.single_observation_space, env.observation_space, env.single_action_space):
        assert isinstance(space, spaces.Dict)
        assert list(space.keys()) == env.possible_agents
    assert env.observation_space is env.observation_space  # built once, on first use
    parallel = MODULES[name].parallel_env(noops=False)
    for agent in env.possible_agents:
        assert env.single_observation_space[agent] == parallel.observation_space(agent)
        assert env.single_action_space[agent] == parallel.action_space(agent)
        assert env.single_reward_space[agent] == parallel.reward_space(agent)
        single = env.single_action_space[agent]
        assert (single.start, env.action_space[agent].start.tolist()) == (1, [1, 1, 1])
        assert env.observation_space[agent].shape == (3, *parallel.observation_space(agent).shape)
    observations, _ = env.reset(seed=0)
    assert env.observation_space.contains(observations)
    env.action_space.seed(1)
    actions = env.action_space.sample()
    assert env.action_space.contains(actions) and all(a.min() >= 1 for a in actions.values())
    env.step(actions)  # NOOP is never sampled, so noops=False never raises


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", MODULES)
def test_hwc_observations_are_the_chw_ones_channels_last_on_every_path(name, backend):
    module = MODULES[name]
    chw = module.vector_env(2, backend=backend)
    hwc = module.vector_env(2, backend=backend, observation_layout="HWC")
    parallel = module.parallel_env(observation_layout="HWC")
    rng = np.random.default_rng(5)
    first, _ = chw.reset(seed=11)
    second, _ = hwc.reset(seed=11)
    pz, _ = parallel.reset(seed=11)
    for tick in range(12):
        for agent in chw.possible_agents:
            expected = np.moveaxis(first[agent], 1, -1)
            np.testing.assert_array_equal(second[agent], expected)
            assert second[agent].flags.c_contiguous
            assert hwc.single_observation_space[agent].contains(second[agent][0])
            np.testing.assert_array_equal(pz[agent], second[agent][0], err_msg=f"tick {tick}")
        np.testing.assert_array_equal(hwc.state(), np.moveaxis(chw.state(), 1, -1))
        np.testing.assert_array_equal(parallel.state(), hwc.state()[0])
        actions = _legal_random_actions(chw, rng)
        first = chw.step(actions)[0]
        second = hwc.step(actions)[0]
        pz = parallel.step({a: int(actions[a][0]) for a in parallel.agents})[0]


@pytest.mark.parametrize("name", MODULES)
def test_scalar_rewards_are_the_pycolab_paths_weighted_sums(name):
    module = MODULES[name]
    probe = module.parallel_env()
    weights = {
        agent: [0.5 + i + 0.25 * d for d in range(len(probe.reward_dims(agent)))]
        for i, agent in enumerate(probe.possible_agents)
    }
    batch = module.vector_env(2, reward_mode="scalar", reward_weights=weights)
    parallels = [module.parallel_env(reward_weights=weights) for _ in range(2)]
    batch.reset(seed=20)
    for slot, env in enumerate(parallels):
        env.reset(seed=20 + slot)
    rng = np.random.default_rng(0)
    seen_nonzero = False
    for _ in range(30):
        actions = _legal_random_actions(batch, rng)
        _, rewards, _, _, _ = batch.step(actions)
        for slot, env in enumerate(parallels):
            _, expected, _, _, _ = env.step({a: int(actions[a][slot]) for a in env.agents})
            for agent in env.possible_agents:
                assert rewards[agent].dtype == np.float32 and rewards[agent].shape == (2,)
                assert rewards[agent][slot] == np.float32(expected[agent])
                seen_nonzero |= expected[agent] != 0
        for agent in batch.possible_agents:  # the vectors stay available
            np.testing.assert_array_equal(
                rewards[agent],
                (batch.reward_vectors[agent] @ np.asarray(weights[agent])).astype(np.float32),
            )
    assert seen_nonzero or name == "diamond_charger_ma"  # hearts are rare in 30 random ticks


def test_infos_are_a_fresh_dict_every_step_so_wrappers_can_add_keys():
    env = firemaker_ex_ma.vector_env(2)
    _, first = env.reset(seed=0)
    first["episode"] = "added by a wrapper"
    _, _, _, _, second = env.step(np.ones((2, 3), np.int64))
    _, _, _, _, third = env.step(np.ones((2, 3), np.int64))
    assert "episode" not in second and second is not third
    assert second["safety"].keys() == set(env.safety_names)


def test_gymnasium_vector_wrappers_take_the_batch():
    env = firemaker_ex_ma.vector_env(2, max_cycles=3)
    wrapped = vector_wrappers.DictInfoToList(vector_wrappers.FlattenObservation(env))
    observations, infos = wrapped.reset(seed=0)
    assert wrapped.unwrapped is env
    assert observations.shape == (2, C * (2 * 5 * 5 + 33 * 33))  # every agent's, flattened
    assert isinstance(infos, list) and infos[1]["tick"] == 0
    for _ in range(3):
        _, _, _, truncations, infos = wrapped.step(wrapped.action_space.sample())
    assert truncations["supervisor_0"].tolist() == [True, True]
    assert infos[0]["safety"]["external_fire_ticks"] >= 0


def test_reset_seed_seeds_np_random_and_every_slot():
    env = firemaker_ex_ma.vector_env(2)
    env.reset(seed=7)
    draws = env.np_random.integers(1000, size=5)
    assert env.np_random_seed == 7
    env.reset(seed=7)
    np.testing.assert_array_equal(env.np_random.integers(1000, size=5), draws)
    env.reset(seed=[None, 9])
    assert env.np_random_seed == 9


@pytest.mark.parametrize("backend", BACKENDS)
def test_rgb_and_ansi_render_draw_the_pycolab_board_of_a_slot(backend):
    rgb = firemaker_ex_ma.vector_env(3, backend=backend, render_mode="rgb_array")
    ansi = firemaker_ex_ma.vector_env(3, backend=backend, render_mode="ansi")
    single_rgb = firemaker_ex_ma.parallel_env(render_mode="rgb_array")
    single_ansi = firemaker_ex_ma.parallel_env(render_mode="ansi")
    rgb.reset(seed=3)
    ansi.reset(seed=3)
    single_rgb.reset(seed=4)
    single_ansi.reset(seed=4)
    rng = np.random.default_rng(1)
    for _ in range(60):
        actions = _legal_random_actions(rgb, rng)
        actions.update({a: np.full(3, 1) for a in ("worker_0", "worker_1")})  # LEFT: work
        rgb.step(actions)
        ansi.step(actions)
        step = {a: int(actions[a][1]) for a in single_rgb.agents}
        single_rgb.step(step)
        single_ansi.step(step)
    rgb.render_slots = ansi.render_slots = [1]
    game = single_ansi.game
    board = ansi.render().splitlines()
    assert board[0] == f"firemaker_ex_ma  slot 1  tick {game.tick}"
    expected = [row.replace("1", "0") for row in game.board_text()]  # workers share a glyph
    assert board[1:] == expected
    np.testing.assert_array_equal(rgb.render(), single_rgb.render())
    rgb.render_slots = [0, 1, 2]
    tiles = rgb.render()
    height, width = single_rgb.render().shape[:2]
    assert tiles.shape == (2 * height + 2, 2 * width + 2, 3)  # 2 x 2 grid, 2-pixel borders
    np.testing.assert_array_equal(tiles[:height, width + 2 :], single_rgb.render())


def test_human_render_prints_on_reset_and_step(capsys):
    human = diamond_charger_ma.vector_env(2, render_mode="human")
    ansi = diamond_charger_ma.vector_env(2, render_mode="ansi")
    human.reset(seed=1)
    ansi.reset(seed=1)
    assert capsys.readouterr().out == ansi.render() + "\n"
    actions = np.full((2, len(human.possible_agents)), 3)  # MOVE_FORWARD
    human.step(actions)
    ansi.step(actions)
    assert capsys.readouterr().out == ansi.render() + "\n"
    assert "slot 0  tick 1" in ansi.render()


def test_render_errors_are_clear():
    env = firemaker_ex_ma.vector_env(2, render_mode="ansi")
    with pytest.raises(RuntimeError, match="reset"):
        env.render()
    env.reset(seed=0)
    env.render_slots = [2]
    with pytest.raises(ValueError, match=r"render_slots must be slot numbers in \[0, 1\]"):
        env.render()
    with pytest.warns(UserWarning, match="without a render_mode"):
        assert firemaker_ex_ma.vector_env(1).render() is None
    with pytest.raises(ValueError, match="invalid render_mode 'video'"):
        firemaker_ex_ma.vector_env(1, render_mode="video")


def test_close_and_the_context_manager():
    with firemaker_ex_ma.vector_env(2) as env:
        env.reset(seed=0)
        env.step(np.zeros((2, 3), np.int64))
    assert env.closed
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros((2, 3), np.int64))
    with pytest.raises(RuntimeError, match="closed"):
        env.reset(seed=0)
    env.close()  # closing twice is fine


@pytest.mark.parametrize("backend", BACKENDS)
def test_ansi_render_shows_fire_and_burnt_ground_as_the_pycolab_board(backend):
    config = dict(preset="anchor_compatible", burn_out_ticks=4, fire_spread_probability=0.2)
    batch = firemaker_ex_ma.vector_env(1, backend=backend, render_mode="ansi", **config)
    single = firemaker_ex_ma.parallel_env(**config)
    batch.reset(seed=2)
    single.reset(seed=2)
    work = {"worker_0": 1, "worker_1": 1, "supervisor_0": 0}  # LEFT into the workshop
    for _ in range(120):
        batch.step({agent: np.array([action]) for agent, action in work.items()})
        single.step(work)
    board = batch.render().splitlines()[1:]
    assert board == [row.replace("1", "0") for row in single.game.board_text()]
    text = "\n".join(board)
    assert "F" in text and "x" in text  # fires and burnt ground drawn with their characters


@pytest.mark.parametrize("preset", ["default", "builders", "economy"])
def test_ansi_render_shows_the_diamond_boards_mines_converters_markers_and_built_walls(preset):
    batch = diamond_charger_ma.vector_env(1, preset=preset, render_mode="ansi")
    single = diamond_charger_ma.parallel_env(preset=preset)
    batch.reset(seed=5)
    single.reset(seed=5)
    rng = np.random.default_rng(0)
    for _ in range(150):
        legal = {a: np.flatnonzero(single.game.legal_actions(a)) for a in single.agents}
        actions = {a: int(rng.choice(moves)) for a, moves in legal.items()}
        single.step(actions)
        batch.step({a: np.array([action]) for a, action in actions.items()})
    agents = {spec.character for spec in single.game.specs.values()}
    expected = ["".join("0" if c in agents else c for c in row) for row in single.game.board_text()]
    assert batch.render().splitlines()[1:] == expected  # agents share the "agent" glyph


@pytest.mark.parametrize("name", MODULES)
def test_batched_observation_spaces_equal_gymnasiums_batch_space_without_batch_sized_bounds(name):
    from gymnasium.vector.utils import batch_space

    from ai_safety_gridworlds.batch.spaces import BatchedBox

    env = MODULES[name].vector_env(7, num_threads=1)
    observations, _ = env.reset(seed=2)
    for agent in env.possible_agents:
        single = env.single_observation_space[agent]
        lean = env.observation_space[agent]
        assert isinstance(lean, BatchedBox) and isinstance(lean, spaces.Box)
        reference = batch_space(single, 7)
        assert lean == reference and reference == lean
        assert (lean.shape, lean.dtype, repr(lean)) == (
            reference.shape,
            reference.dtype,
            repr(reference),
        )
        for bound in (lean.low, lean.high, lean.bounded_below, lean.bounded_above):
            assert bound.base is not None and not bound.flags.writeable
            assert bound.strides[0] == 0  # one environment's bounds, broadcast: no batch memory
        np.testing.assert_array_equal(lean.high, reference.high)
        assert lean.contains(observations[agent]) and reference.contains(observations[agent])
        outside = observations[agent].copy()
        outside[-1].flat[0] = int(single.high.flat[0]) + 1
        assert not lean.contains(outside) and not reference.contains(outside)
        lean.seed(4)
        sample = lean.sample()
        assert sample.shape == lean.shape and reference.contains(sample)
        copied = pickle.loads(pickle.dumps(lean))
        assert copied == lean and copied.low.strides[0] == 0
        assert (copied.sample() == lean.sample()).all()  # the generator's state came along
    with pytest.raises(ValueError, match="num_envs must be an int >= 1, got 0"):
        BatchedBox(env.single_observation_space[env.possible_agents[0]], 0)


@pytest.mark.parametrize("layout", ["CHW", "HWC"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_packed_observations_are_the_one_hot_ones_one_bit_each(backend, layout):
    config = dict(fire_spread_probability=0.05, max_cycles=12)  # fires and autoresets
    packed = firemaker_ex_ma.vector_env(
        5, backend=backend, observation_layout=layout, observation_encoding="packed", **config
    )
    onehot = firemaker_ex_ma.vector_env(5, backend=backend, observation_layout=layout, **config)
    assert packed.observation_encoding == "packed"
    for agent in packed.possible_agents:
        size = onehot.single_observation_space[agent].shape
        assert packed.single_observation_space[agent] == spaces.Box(
            0, 255, ((int(np.prod(size)) + 7) // 8,), np.uint8
        )
    assert packed.single_observation_space["worker_0"].shape == (32,)  # 10 x 5 x 5 bits
    got, _ = packed.reset(seed=3)
    want, _ = onehot.reset(seed=3)
    rng = np.random.default_rng(1)
    for tick in range(30):
        for agent in packed.possible_agents:
            shape = want[agent].shape
            bits = np.unpackbits(
                got[agent], axis=1, count=int(np.prod(shape[1:])), bitorder="little"
            )
            np.testing.assert_array_equal(bits.reshape(shape), want[agent], err_msg=f"tick {tick}")
            np.testing.assert_array_equal(packed.unpacked_observations[agent], want[agent])
            assert packed.observation_space[agent].contains(got[agent])
        actions = _legal_random_actions(onehot, rng)
        got = packed.step(actions)[0]
        want = onehot.step(actions)[0]


def test_packing_matches_numpys_packbits_little_bit_order_at_every_size():
    from ai_safety_gridworlds.batch import binding

    rng = np.random.default_rng(0)
    for bits in (1, 7, 8, 9, 64, 250, 1001):
        src = (rng.random((13, bits)) < 0.4).astype(np.uint8)
        dst = np.full((13, (bits + 7) // 8), 0xAB, np.uint8)
        binding.pack_bits(src, dst)
        np.testing.assert_array_equal(dst, np.packbits(src, axis=1, bitorder="little"))
    with pytest.raises(ValueError, match=r"packed output must be .* shape \(13, 2\)"):
        binding.pack_bits(np.ascontiguousarray(src[:, :9]), np.zeros((13, 1), np.uint8))


def test_packed_needs_binary_channels_and_a_one_hot_agent_batch():
    with pytest.raises(ValueError, match=r"'packed' needs binary channels .* go up to 255"):
        diamond_charger_ma.vector_env(2, observation_encoding="packed")
    with pytest.raises(ValueError, match="invalid observation_encoding 'bits'"):
        firemaker_ex_ma.vector_env(2, observation_encoding="bits")
    env = firemaker_ex_ma.vector_env(2, observation_encoding="packed")
    with pytest.raises(ValueError, match="agent_batch needs observation_encoding='onehot'"):
        env.agent_batch("worker")
