"""One option surface for every factory (ai_safety_gridworlds.core.options).

Every environment x preset x factory: the factory accepts the preset (plus a config field beside
it), gives the same config as every other factory and the same first observation for the same
seed. Unknown names give the same ValueError on every path; options of another path are
rejected with a message saying where they apply.
"""

from __future__ import annotations

import contextlib
import io
import os

import gymnasium
import numpy as np
import pytest

import ai_safety_gridworlds  # noqa: F401  (registers the Gymnasium ids)
from ai_safety_gridworlds import registry
from ai_safety_gridworlds.core import options
from ai_safety_gridworlds.ui import cli
from experiments.safety_benchmark import cli as benchmark_cli
from experiments.safety_benchmark.matrix import RunSpec, build_cells, resolve_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 3
MAX_CYCLES = 37
CASES = [(name, preset) for name in registry.ENVIRONMENTS for preset in registry.presets(name)]


def _first_agent_observation(env_name, preset):
    """Factory name -> (config, the first agent's first observation for SEED), on every path."""
    module = registry.load(env_name)
    game_class = registry.game_class(env_name)
    given = {"preset": preset, "max_cycles": MAX_CYCLES}
    results = {}

    aec = module.raw_env(**given)
    aec.reset(seed=SEED)
    agent = aec.possible_agents[0]
    results["raw_env"] = (aec.config, aec.observe(agent))

    wrapped = module.env(**given)
    wrapped.reset(seed=SEED)
    results["env"] = (wrapped.unwrapped.config, wrapped.observe(agent))

    parallel = module.parallel_env(**given)
    observations, _ = parallel.reset(seed=SEED)
    results["parallel_env"] = (parallel.config, observations[agent])

    single = gymnasium.make(registry.gym_id(env_name), agent=agent, **given)
    observation, _ = single.reset(seed=SEED)
    results["gymnasium"] = (single.unwrapped.config, observation)

    by_id = gymnasium.make(registry.gym_id(env_name, preset), max_cycles=MAX_CYCLES)
    observation, _ = by_id.reset(seed=SEED)
    results["gymnasium id of the preset"] = (by_id.unwrapped.config, observation)

    batch = module.vector_env(2, **given)
    observations, _ = batch.reset(seed=SEED)
    results["vector_env"] = (batch.config, observations[agent][0].copy())

    ui = cli.parse_options(
        game_class, module.PRESETS, ["prog", f"--preset={preset}", f"--max_cycles={MAX_CYCLES}"]
    )
    game = game_class(ui.config)
    game.reset(seed=SEED)
    results["ui"] = (game.config, game.observe(agent))

    (cell,) = build_cells([RunSpec(env_name, (preset,), ("random",), (("max_cycles", 37),))])
    game = resolve_env(env_name).make_game(dict(cell.overrides))
    game.reset(seed=SEED)
    results["benchmark"] = (game.config, game.observe(agent))
    return results


@pytest.mark.parametrize("env_name, preset", CASES)
def test_every_factory_makes_the_same_config_and_first_observation(env_name, preset):
    results = _first_agent_observation(env_name, preset)
    config, observation = results["parallel_env"]
    preset_fields = options.preset_overrides(env_name, registry.presets(env_name), preset)
    assert config.max_cycles == MAX_CYCLES
    preset_fields.pop("max_cycles", None)  # the option given beside the preset wins
    assert all(getattr(config, key) == value for key, value in preset_fields.items())
    for factory, (other_config, other_observation) in results.items():
        assert other_config == config, factory
        assert other_observation.dtype == np.uint8, factory
        np.testing.assert_array_equal(other_observation, observation, err_msg=factory)


def _error(env_name, path, name, value):
    """The ValueError text ``path`` gives for the option ``name=value``."""
    module = registry.load(env_name)
    makers = {
        "raw_env": lambda: module.raw_env(**{name: value}),
        "env": lambda: module.env(**{name: value}),
        "parallel_env": lambda: module.parallel_env(**{name: value}),
        "gymnasium": lambda: gymnasium.make(registry.gym_id(env_name), **{name: value}),
        "vector_env": lambda: module.vector_env(2, **{name: value}),
        "ui": lambda: cli.parse_options(
            registry.game_class(env_name), module.PRESETS, ["prog", f"--{name}={value}"]
        ),
        "benchmark": lambda: build_cells(
            [RunSpec(env_name, ("default",), ("random",), ((name, value),))]
        ),
    }
    with pytest.raises(ValueError) as caught:
        makers[path]()
    return str(caught.value)


def _errors_on_every_path(env_name, name, value):
    return {path: _error(env_name, path, name, value) for path in options.PATHS}


@pytest.mark.parametrize("env_name", list(registry.ENVIRONMENTS))
def test_an_unknown_option_is_the_same_clear_error_everywhere(env_name):
    errors = _errors_on_every_path(env_name, "num_worker", 3)
    message = errors["parallel_env"]
    assert message.startswith(f"{env_name}: unknown option 'num_worker'")
    assert "allowed: the options preset, config, render_mode" in message
    assert "max_cycles" in message
    for path, text in errors.items():
        assert text == message, path


def test_an_unknown_option_suggests_the_closest_name():
    message = _error("firemaker_ex_ma", "ui", "num_worker", 3)
    assert "unknown option 'num_worker' (did you mean 'num_workers'?)" in message
    message = _error("firemaker_ex_ma", "vector_env", "observation_layot", "HWC")
    assert "(did you mean 'observation_layout'?)" in message


def test_the_benchmark_command_line_prints_the_same_error(capsys):
    expected = _error("firemaker_ex_ma", "parallel_env", "num_worker", 3)
    status = benchmark_cli.main(["--override", "num_worker=3", "--seeds", "1", "--no-progress"])
    assert status == 2
    assert capsys.readouterr().err == f"error: {expected}\n"


def test_the_ui_command_line_prints_the_same_error():
    from environments.firemaker_ex_ma import PRESETS, FiremakerGame

    expected = _error("firemaker_ex_ma", "parallel_env", "num_worker", 3)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as exit_:
        cli.main(FiremakerGame, PRESETS, argv=["prog", "--num_worker=3"])
    assert exit_.value.code == 2
    assert stderr.getvalue() == f"error: {expected}\n"


@pytest.mark.parametrize(
    "path, name, value, where",
    [
        ("parallel_env", "num_threads", 2, "it applies to vector_env"),
        ("raw_env", "backend", "c", "it applies to vector_env"),
        ("env", "buffers", {}, "it applies to vector_env"),
        ("parallel_env", "agent", "worker_0", "it applies to gymnasium"),
        ("vector_env", "log_dir", "logs", "it applies to raw_env, env, parallel_env, the "),
        ("vector_env", "policies", {}, "it applies to the Gymnasium ids"),
        ("gymnasium", "num_threads", 2, "it applies to vector_env"),
        (
            "ui",
            "render_mode",
            "ansi",
            "it applies to raw_env, env, parallel_env, the Gymnasium ids and vector_env",
        ),
        ("ui", "num_threads", 2, "it applies to vector_env"),
        ("benchmark", "observation_layout", "HWC", "it applies to raw_env, env, parallel_env, "),
        ("benchmark", "log_dir", "logs", "(the safety benchmark has its own --log-dir flag)"),
    ],
)
def test_an_option_of_another_path_says_where_it_applies(path, name, value, where):
    message = _error("firemaker_ex_ma", path, name, value)
    assert message.startswith(
        f"firemaker_ex_ma: option {name!r} does not apply to {options.PATHS[path]}; "
    )
    assert where.replace("gymnasium", "the Gymnasium ids") in message


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("observation_layout", "WHC", "'CHW', 'HWC'"),
        ("reward_mode", "both", "'scalar', 'vector'"),
        ("num_threads", 0, "None (every core) or an int >= 1"),
        ("num_threads", True, "None (every core) or an int >= 1"),
        ("backend", "gpu", "'c', 'numpy'"),
        (
            "preset",
            "huge",
            "anchor_compatible, corrigibility, default, large, no_supervisor, seed_faithful, "
            "seeking, three_workers",
        ),
    ],
)
def test_a_bad_option_value_names_the_option_and_the_allowed_values(name, value, allowed):
    from environments import firemaker_ex_ma

    factory = (
        firemaker_ex_ma.vector_env
        if "vector_env" in options.OPTIONS[name].paths and name not in ("reward_mode", "preset")
        else None
    )
    with pytest.raises(ValueError) as caught:
        if factory is not None:
            factory(1, **{name: value})
        else:
            firemaker_ex_ma.parallel_env(**{name: value})
    word = "unknown" if name == "preset" else "invalid"
    assert str(caught.value) == f"firemaker_ex_ma: {word} {name} {value!r}; allowed: {allowed}"


def test_config_fields_given_beside_a_preset_win_and_config_is_the_base():
    from environments import firemaker_ex_ma
    from environments.firemaker_ex_ma import FiremakerConfig

    base = FiremakerConfig(num_workers=3, max_cycles=9)
    env = firemaker_ex_ma.vector_env(1, config=base, preset="large", max_cycles=11)
    assert (env.config.num_workers, env.config.level, env.config.max_cycles) == (3, 1, 11)
    assert firemaker_ex_ma.parallel_env(config=base, preset="large", max_cycles=11).config == (
        env.config
    )


def test_the_ui_writes_episode_logs_with_log_dir(tmp_path):
    from absl import flags

    from ai_safety_gridworlds.core import config as config_lib
    from environments.firemaker_ex_ma import PRESETS, FiremakerGame

    flag_values = flags.FlagValues()
    config_lib.define_flags(FiremakerGame.config_class, flag_values)
    cli.define_ui_flags(flag_values, PRESETS)
    argv = ["prog", f"--log_dir={tmp_path}", "--max_cycles=2", "--human=none", "--seed=4"]
    session, _, _, _ = cli._prepare(
        FiremakerGame, PRESETS, "firemaker_ex_ma", flag_values, argv, None, None
    )
    session.start()
    while session.current is not None:
        session.play(session.policy_action())
    (written,) = os.listdir(tmp_path)
    with open(tmp_path / written, encoding="utf-8") as handle:
        rows = handle.read().splitlines()
    assert written.startswith("episode_000000_") and rows[0].startswith("tick,")
    assert {row.split(",")[0] for row in rows[1:]} == {"1", "2"}


def test_docs_hold_the_generated_table_of_options():
    with open(os.path.join(ROOT, "docs", "options.md"), encoding="utf-8") as handle:
        assert options.markdown_table() in handle.read()
