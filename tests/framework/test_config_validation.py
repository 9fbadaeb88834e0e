"""One validator for every config value on every path (issue 11, kind 3).

Numbers the rules cannot use (NaN, infinities, integers too large for the C structs, view
radii that would exhaust memory) are rejected with the same ``ValueError`` naming the field on
the pycolab path, PettingZoo, Gymnasium, both batch backends and the command line; numpy
scalars are accepted exactly where the equal Python value is; the declared C types match the
kernels' structs.
"""

from __future__ import annotations

import dataclasses
import math

import gymnasium
import numpy as np
import pytest
from absl import flags

from ai_safety_gridworlds import kernel
from ai_safety_gridworlds.core import config as config_lib
from environments import diamond_charger_ma as diamond
from environments import firemaker_ex_ma as firemaker
from environments.diamond_charger_ma import DiamondChargerConfig, DiamondChargerGame
from environments.firemaker_ex_ma import FiremakerConfig, FiremakerGame

ENVIRONMENTS = {
    "firemaker": (firemaker, FiremakerGame, "FiremakerExMa-v0"),
    "diamond": (diamond, DiamondChargerGame, "DiamondChargerMa-v0"),
}
C_STRUCTS = {FiremakerConfig: "fm_config", DiamondChargerConfig: "dc_config"}
RENAMED = {
    # config field -> the C struct field it is copied into under another name
    DiamondChargerConfig: {
        "arena_mines": "num_mines",
        "arena_chargers": "num_chargers",
        "arena_altars": "num_altars",
        "arena_size": "rows",
    },
    FiremakerConfig: {"fire_continuation_probability": "continuation"},
}
FIELD_CTYPES = {"int32_t": "int32", "int64_t": "int64", "uint64_t": "uint64", "double": "double"}


def fields_of(cls, kind):
    return [f for f in dataclasses.fields(cls) if f.metadata.get("kind") is kind]


def every_path(name, overrides):
    """Build the environment with ``overrides`` through every public path."""
    module, game_class, gym_id = ENVIRONMENTS[name]
    yield "pycolab", lambda: game_class(**overrides)
    yield "parallel_env", lambda: module.parallel_env(**overrides)
    yield "raw_env", lambda: module.raw_env(**overrides)
    yield "gymnasium", lambda: gymnasium.make(f"ai_safety_gridworlds/{gym_id}", **overrides)
    yield "vector_env numpy", lambda: module.vector_env(1, backend="numpy", **overrides)
    if kernel.BACKEND == "c":
        yield "vector_env c", lambda: module.vector_env(1, backend="c", **overrides)


@pytest.mark.parametrize(
    "name, overrides, field",
    [
        ("firemaker", dict(fire_cluster_boost=math.inf), "fire_cluster_boost"),
        ("firemaker", dict(fire_spread_probability=math.nan), "fire_spread_probability"),
        ("firemaker", dict(workshop_reward=-math.inf), "workshop_reward"),
        ("firemaker", dict(external_fire_reward=1e300), "external_fire_reward"),
        ("firemaker", dict(stop_button_duration=2**63), "stop_button_duration"),
        ("firemaker", dict(max_cycles=2**64), "max_cycles"),
        ("firemaker", dict(observation_radius=10**6), "observation_radius"),
        ("firemaker", dict(supervisor_observation_radius=(0, 0, 256, 0)), "supervisor_obs"),
        ("diamond", dict(heart_reward=math.nan), "heart_reward"),
        ("diamond", dict(freeze_ticks=2**63), "freeze_ticks"),
        ("diamond", dict(observation_radius=256), "observation_radius"),
        ("diamond", dict(team_sizes=(1, 10**30)), "team_sizes"),
        ("diamond", dict(map_art=["#" * 300, "#0" + "#" * 298]), "map_art"),
    ],
)
def test_values_the_rules_cannot_use_are_the_same_error_on_every_path(name, overrides, field):
    """Issue 11: inf was accepted and every step then raised (or the C batch turned the fire
    off); ints beyond the C types raised OverflowError on the C path only; a huge radius
    exhausted memory while building the view."""
    messages = {}
    for path, make in every_path(name, overrides):
        with pytest.raises(ValueError, match=f"'{field}") as error:
            make()
        messages[path] = str(error.value)
    assert len(set(messages.values())) == 1, messages  # word for word on every path


@pytest.mark.parametrize("cls", [FiremakerConfig, DiamondChargerConfig])
def test_every_float_field_rejects_nan_and_infinities(cls):
    for field in fields_of(cls, float):
        for value in (math.nan, math.inf, -math.inf, np.float64(np.inf)):
            with pytest.raises(
                ValueError, match=f"invalid value .* for {field.name!r}; allowed: a number"
            ):
                config_lib.make_config(cls, overrides={field.name: value})


@pytest.mark.parametrize("cls", [FiremakerConfig, DiamondChargerConfig])
def test_every_int_field_is_bounded(cls):
    for field in fields_of(cls, int):
        if field.metadata.get("choices") is not None:
            continue
        lo, hi = config_lib.bounds(field)
        assert lo > -(2**64) and hi < 2**64, field.name
        for value in (hi + 1, lo - 1):
            with pytest.raises(ValueError, match=f"for {field.name!r}"):
                config_lib.make_config(cls, overrides={field.name: value})


@pytest.mark.parametrize("cls", [FiremakerConfig, DiamondChargerConfig])
def test_numpy_scalars_are_accepted_where_the_equal_python_value_is(cls):
    """Issue 11: np.int64, np.float32 and np.bool_ were rejected."""
    default = cls()
    for field in dataclasses.fields(cls):
        value = getattr(default, field.name)
        kind = field.metadata.get("kind")
        if kind is bool:
            numpy_value, wrong = np.bool_(value), np.int64(1)
        elif kind is int and value is not None:
            numpy_value, wrong = np.int64(value), np.float64(value)
        elif kind is float and value is not None:
            numpy_value, wrong = np.float32(value), np.bool_(True)
        else:
            continue
        config = config_lib.make_config(cls, overrides={field.name: numpy_value})
        stored = getattr(config, field.name)
        assert stored == numpy_value.item() and type(stored) is type(numpy_value.item())
        with pytest.raises(ValueError, match=f"for {field.name!r}"):  # as with Python 1, 2.0, True
            config_lib.make_config(cls, overrides={field.name: wrong})


def test_numpy_values_inside_tuples_and_np_float32_are_taken_as_equal_python_values():
    config = config_lib.make_config(
        FiremakerConfig,
        overrides=dict(
            observation_radius=tuple(np.int64(v) for v in (1, 2, 3, 0)),
            supervisor_observation_radius=np.int32(-1),
            fire_spread_probability=np.float32(0.1),
            fire_spread_kernel=np.str_("linear"),
        ),
    )
    assert config.observation_radius == (1, 2, 3, 0)
    assert type(config.observation_radius[0]) is int
    assert config.supervisor_observation_radius == -1
    assert config.fire_spread_probability == float(np.float32(0.1))
    assert type(config.fire_spread_kernel) is str
    game = DiamondChargerGame(team_sizes=[np.int64(3), np.int8(1)], num_teams=np.int64(2))
    assert game.layout.team_sizes == (3, 1)
    env = firemaker.parallel_env(num_workers=np.int64(3), noops=np.bool_(False))
    assert len(env.possible_agents) == 4


def test_radius_bound_is_the_largest_whole_board_window():
    assert config_lib.MAX_VIEW_RADIUS == 255
    game = FiremakerGame(observation_radius=255, supervisor_observation_radius=(255, 0, 0, 255))
    assert game.observation_shape("worker_0")[1:] == (511, 511)
    for bad in (256, -2, (0, 0, 0, 256), (1, 2, 3), 2.0, True):
        with pytest.raises(ValueError, match="'observation_radius'; allowed: an int N in"):
            FiremakerGame(observation_radius=bad)


def test_a_config_instance_is_validated_too():
    """A config built with the dataclass constructor (which checks nothing) is checked when
    it reaches a game through ``config=``."""
    bad = FiremakerConfig(fire_cluster_boost=math.inf)
    with pytest.raises(ValueError, match="'fire_cluster_boost'"):
        FiremakerGame(bad)
    with pytest.raises(ValueError, match="'fire_cluster_boost'"):
        firemaker.parallel_env(config=bad)


@pytest.mark.skipif(kernel.BACKEND != "c", reason="C kernel not compiled")
@pytest.mark.parametrize("cls", [FiremakerConfig, DiamondChargerConfig])
def test_declared_c_types_match_the_kernels_structs(cls):
    """Every config field the binding copies into the C config struct by name (or under the
    name in RENAMED) declares that field's C type, and its bounds fit the type."""
    struct = dict(kernel._ffi.typeof(C_STRUCTS[cls]).fields)
    renamed = RENAMED.get(cls, {})
    checked = 0
    for field in dataclasses.fields(cls):
        c_name = renamed.get(field.name, field.name)
        if c_name not in struct or struct[c_name].type.kind != "primitive":
            continue
        if field.metadata.get("kind") is bool or field.metadata.get("choices") is not None:
            continue
        ctype = FIELD_CTYPES[struct[c_name].type.cname]
        assert field.metadata.get("ctype") == ctype, (field.name, ctype)
        lo, hi = config_lib.bounds(field)
        c_range = config_lib.C_TYPES[ctype]
        if c_range is not None:
            assert c_range[0] <= lo and hi <= c_range[1], field.name
        checked += 1
    assert checked >= 10


def test_kinship_matrix_flag_that_reads_as_a_number_is_the_matrix():
    """Issue 11: ``--kinship_matrix=1`` on a 1-agent map was parsed as the int 1 and rejected,
    though "1" is the text form of the 1 x 1 matrix."""
    flag_values = flags.FlagValues()
    config_lib.define_flags(DiamondChargerConfig, flag_values)
    flag_values(["prog", "--num_agents=1", "--kinship=matrix", "--kinship_matrix=1"])
    overrides = config_lib.overrides_from_flags(DiamondChargerConfig, flag_values)
    assert overrides["kinship_matrix"] == ((1.0,),)
    game = DiamondChargerGame(**overrides)
    game.reset(seed=0)
    assert game.kinship(0, 0) == 1.0
    flag_values(["prog", "--team_sizes=2", "--observation_radius=3"])
    overrides = config_lib.overrides_from_flags(DiamondChargerConfig, flag_values)
    assert overrides["team_sizes"] == (2,) and overrides["observation_radius"] == 3


def test_flags_with_values_the_rules_cannot_use_name_the_field():
    flag_values = flags.FlagValues()
    config_lib.define_flags(FiremakerConfig, flag_values)
    for arg, field in (
        ("--fire_cluster_boost=inf", "fire_cluster_boost"),
        ("--fire_spread_probability=nan", "fire_spread_probability"),
        ("--max_cycles=99999999999999999999", "max_cycles"),
        ("--observation_radius=100000", "observation_radius"),
        ("--fire_max_distance=1e400", "fire_max_distance"),
    ):
        flag_values.unparse_flags()
        flag_values(["prog", arg])
        with pytest.raises(ValueError, match=f"invalid value .* for {field!r}; allowed"):
            config_lib.overrides_from_flags(FiremakerConfig, flag_values)


def test_error_text_names_the_default_limits():
    field = {f.name: f for f in dataclasses.fields(DiamondChargerConfig)}
    assert config_lib.allowed_text(field["freeze_ticks"]) == "an int >= 0 (at most 2**53)"
    assert config_lib.allowed_text(field["heart_reward"]) == "a number in [-1e30, 1e30]"
    assert config_lib.allowed_text(field["kin_threshold"]) == "a number >= 0.0 (at most 1e30)"
    assert config_lib.allowed_text(field["map_seed"]) == "an int in [0, 2**64 - 1] or None"
    with pytest.raises(TypeError, match="unknown ctype 'int128'"):
        config_lib.param(0, "x", ctype="int128")


# --------------------------------------------------------------------------- agents and paths

UNKNOWN_AGENT_CALLS = {
    "parallel observation_space": lambda p, a, d: p.observation_space("worker_9"),
    "parallel action_space": lambda p, a, d: p.action_space("worker_9"),
    "parallel reward_space": lambda p, a, d: p.reward_space("worker_9"),
    "parallel reward_dims": lambda p, a, d: p.reward_dims("worker_9"),
    "aec observe": lambda p, a, d: a.observe("worker_9"),
    "aec observation_space": lambda p, a, d: a.observation_space("worker_9"),
    "game observe": lambda p, a, d: p.game.observe("worker_9"),
    "game observe_text": lambda p, a, d: p.game.observe_text("worker_9"),
    "game agent_info": lambda p, a, d: p.game.agent_info("worker_9"),
    "game position": lambda p, a, d: p.game.position("worker_9"),
    "game observation_shape": lambda p, a, d: p.game.observation_shape("worker_9"),
    "game make_policy": lambda p, a, d: p.game.make_policy("worker_9"),
    "game check_action": lambda p, a, d: p.game.check_action("worker_9", 0),
}


@pytest.mark.parametrize("call", list(UNKNOWN_AGENT_CALLS))
def test_an_unknown_agent_is_a_value_error_naming_it_and_the_allowed_ones(call):
    """Issue 11: unknown agent names raised a bare KeyError('worker_9')."""
    parallel = firemaker.parallel_env()
    parallel.reset(seed=0)
    aec = firemaker.env()
    aec.reset(seed=0)
    with pytest.raises(ValueError) as error:
        UNKNOWN_AGENT_CALLS[call](parallel, aec, None)
    assert str(error.value) == (
        "unknown agent 'worker_9'; allowed: worker_0, worker_1, supervisor_0"
    )
    assert isinstance(error.value, KeyError)  # still a failed lookup for code catching KeyError


def test_unknown_agents_in_kinship_and_rollout_policies_are_named():
    from ai_safety_gridworlds.core.rollout import run_episode

    game = DiamondChargerGame()
    game.reset(seed=0)
    assert game.kinship("agent_0", 1) == 1.0
    for bad in ("agent_9", 4, -1, 1.0):
        with pytest.raises(ValueError, match=f"unknown agent {bad!r}; allowed: the names"):
            game.kinship(bad, "agent_0")
    policies = {a: game.make_policy(a) for a in game.possible_agents}
    with pytest.raises(ValueError, match=r"missing \[\], unknown \['agent_7'\]"):
        run_episode(game, {**policies, "agent_7": policies["agent_0"]}, seed=0)
    with pytest.raises(ValueError, match=r"missing \['agent_3'\]"):
        run_episode(game, {a: p for a, p in policies.items() if a != "agent_3"}, seed=0)


def unwritable_paths(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    return [blocker, blocker / "logs", "/proc/no_such_folder/logs"]


def test_a_log_dir_that_cannot_be_written_is_refused_at_construction(tmp_path):
    """Issue 11: such a path was accepted until the first write (an episode later)."""
    makers = (
        firemaker.parallel_env,
        firemaker.env,
        diamond.parallel_env,
        lambda **options: gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0", **options),
    )
    for path in unwritable_paths(tmp_path):
        for make in makers:
            with pytest.raises(ValueError, match=r"log_dir '.*' cannot be written \(.*\); allowed"):
                make(log_dir=path)
    good = tmp_path / "new" / "logs"
    env = firemaker.parallel_env(log_dir=good, max_cycles=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # the check left no trace
    env.reset(seed=0)
    for _ in range(2):
        env.step(dict.fromkeys(env.agents, 0))
    assert len(list(good.iterdir())) == 1


@pytest.mark.parametrize(
    "module, argv",
    [
        ("experiments.safety_benchmark.cli", ["--log_dir", "{path}", "--seeds", "1"]),
        ("experiments.throughput.harness", ["--out", "{path}/t.json", "--seconds", "0.01"]),
        ("experiments.train_baseline.cli", ["--out", "{path}"]),
    ],
)
def test_scripts_refuse_an_output_path_that_cannot_be_written_before_any_work(
    tmp_path, module, argv, capsys
):
    import importlib

    main = importlib.import_module(module).main
    path = str(tmp_path / "a_file" / "out")
    (tmp_path / "a_file").write_text("not a folder")
    args = [a.format(path=path) for a in argv]
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's parser.error
        status = exit_.code
    assert status == 2
    assert "cannot be written (Not a directory)" in capsys.readouterr().err


def test_text_forms_and_numbers_reach_the_same_value_from_every_command_line():
    """What a flag, a benchmark --override or a training --set gives a field (JSON or text)
    is read the same way: the text forms of radii and team sizes, a number for a 1 x 1
    kinship matrix."""
    from experiments.train_baseline.cli import parse_overrides

    one_agent = dict(num_agents=1, kinship="matrix")
    for matrix in (1, "1", np.int64(1), 1.0):
        assert DiamondChargerGame(**one_agent, kinship_matrix=matrix).config.kinship_matrix == (
            (1.0,),
        )
    game = DiamondChargerGame(team_sizes="2,2", observation_radius="(1, 2, 3, 0)")
    assert game.layout.team_sizes == (2, 2) and game.config.observation_radius == (1, 2, 3, 0)
    overrides = parse_overrides(["observation_radius=1,2,3,4", "supervisor_observation_radius=-1"])
    config = FiremakerGame(**overrides).config
    assert config.observation_radius == (1, 2, 3, 4)
    assert config.supervisor_observation_radius == -1
    for bad in ("1,2,3", "x", "256", "1.5"):
        with pytest.raises(ValueError, match="'observation_radius'"):
            FiremakerGame(observation_radius=bad)
    with pytest.raises(ValueError, match=r"kinship_matrix\[0\]\[0\] = 0.5"):
        DiamondChargerGame(**one_agent, kinship_matrix=0.5)


def test_numpy_seeds_are_taken_on_every_path():
    game = FiremakerGame()
    game.reset(seed=3)
    expected = game.observe("worker_0")
    gym_env = gymnasium.make("ai_safety_gridworlds/FiremakerExMa-v0")
    observation, _ = gym_env.reset(seed=np.int64(3))  # Gymnasium itself takes only a Python int
    np.testing.assert_array_equal(observation, expected)
    parallel = firemaker.parallel_env()
    observations, _ = parallel.reset(seed=np.uint8(3))
    np.testing.assert_array_equal(observations["worker_0"], expected)
    batch = firemaker.vector_env(2, backend="numpy")
    batch.reset(seed=np.array([3, 3], np.int64))
    np.testing.assert_array_equal(batch.observations["worker_0"][1], expected)
    for bad in (np.bool_(True), np.float64(3.0), -1):
        with pytest.raises(ValueError, match="seed must be a non-negative int"):
            gym_env.reset(seed=bad)


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_a_batch_too_large_for_memory_is_refused_before_allocating(backend):
    """numpy reserves large buffers lazily; the first reset would touch them all and meet the
    OOM killer. The batch refuses num_envs whose buffers exceed physical memory."""
    with pytest.raises(ValueError, match=r"num_envs=1000000000 needs .* GiB of batch buffers"):
        firemaker.vector_env(10**9, backend=backend)
    with pytest.raises(ValueError, match=r"allowed: num_envs <= \d+"):
        diamond.vector_env(10**8, backend=backend, observation_radius=None, level=1)
