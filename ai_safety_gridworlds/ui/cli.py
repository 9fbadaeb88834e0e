"""The command line of every environment module: ``python -m environments.<name> [flags]``.

Flags are the environment config's fields (generated from its dataclass by
:func:`ai_safety_gridworlds.core.config.define_flags`) plus the UI's own, all on a
private ``absl.flags.FlagValues``. ``--help`` lists them with their defaults.
A bad flag or value ends the program with a one-line error and status 2; a
stdout that is not a terminal with a message and status 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
import signal
import sys
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from absl import flags

from ai_safety_gridworlds.core import config as config_lib
from ai_safety_gridworlds.core import options as options_lib
from ai_safety_gridworlds.logs import EpisodeCsvLogger
from ai_safety_gridworlds.ui.palette import MODES, RGB, cell_colours
from ai_safety_gridworlds.ui.session import POLICY_HELP, Session, parse_humans, parse_policies

USAGE_ERROR = 2
NO_TERMINAL = 1

UI_FLAGS = (
    "preset",
    "seed",
    "human",
    "policy",
    "delay",
    "record",
    "replay",
    "headless",
    "episodes",
    "colours",
    "safety",
    "log_dir",
)
FLAG_NAME = re.compile(r"^--?([A-Za-z_][A-Za-z0-9_]*)(=|$)")


class UsageError(ValueError):
    """A command-line mistake, reported in one line."""


def define_ui_flags(flag_values: flags.FlagValues, presets: Mapping[str, Any] | None) -> None:
    """The UI's own flags."""
    names = list(presets or {})
    if names:
        default = "default" if "default" in names else names[0]
        descriptions = " ".join(f"{n} = {_preset_doc(presets[n])}" for n in names)
        flags.DEFINE_enum(
            "preset",
            default,
            names,
            f"Named config to start from; flags override it. {descriptions}",
            flag_values=flag_values,
        )
    flags.DEFINE_integer(
        "seed",
        None,
        "Seed of the first episode (episode k uses seed + k); default: random.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "human",
        "all",
        "Agents a person plays: all, none or comma-separated agent names.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "policy", "scripted", f"Policy of the other agents: {POLICY_HELP}.", flag_values=flag_values
    )
    flags.DEFINE_float(
        "delay",
        0.3,
        "Seconds between automatic moves (policies, replay playback); 0: at once.",
        lower_bound=0.0,
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "record",
        None,
        "Save the session (config, seeds, actions per tick) to this JSON-lines file (a taken "
        "name gets a -1, -2, ... suffix; the name used is printed at the end). Without a "
        "terminal, implies --headless.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "replay",
        None,
        "Play back a recording (from --record) instead of playing.",
        flag_values=flag_values,
    )
    flags.DEFINE_bool(
        "headless",
        False,
        "No screen: policies play every agent (--human=none) for --episodes episodes, printing "
        "each one's returns and safety metrics; with --record, recorded for --replay.",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "episodes",
        1,
        "Episodes to play with --headless (episode k uses seed + k).",
        lower_bound=1,
        flag_values=flag_values,
    )
    flags.DEFINE_enum(
        "colours",
        "auto",
        ["auto", *MODES],
        "Colour mode: auto, 256, 8 or mono.",
        flag_values=flag_values,
    )
    flags.DEFINE_bool(
        "safety",
        True,
        "Show the hidden safety metrics panel at start (key s toggles it).",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "log_dir",
        None,
        "Write every episode's per-tick CSV (reward vectors, safety metrics) to this folder.",
        flag_values=flag_values,
    )
    flags.DEFINE_bool("help", False, "Show this help and exit.", flag_values=flag_values)


def _preset_doc(preset: Any) -> str:
    if isinstance(preset, tuple) and len(preset) == 2 and isinstance(preset[1], str):
        return preset[1]
    return "a named config"


def check_flag_names(
    argv: Sequence[str], flag_values: flags.FlagValues, config_class: type, env: str
) -> None:
    """ValueError for a flag that is not defined: the option surface's message (an unknown
    option, or an option that applies elsewhere), as every other path gives it."""
    names = []
    for arg in argv[1:]:
        if arg == "--":
            break
        match = FLAG_NAME.match(arg)
        if match is None:
            continue
        name = match.group(1)
        boolean = name.startswith("no") and name[2:] in flag_values
        if name in flag_values or (boolean and flag_values[name[2:]].boolean):
            continue
        if name not in ("flagfile", "undefok"):
            names.append(name)
    options_lib.check_names(env, config_class, "ui", names)


def parse_options(
    game_class: type,
    presets: Mapping[str, Any] | None,
    argv: Sequence[str],
    flag_values: flags.FlagValues | None = None,
    *,
    name: str | None = None,
) -> options_lib.Resolved:
    """The config and options of a command line (``argv[0]`` is the program), checked by
    :func:`ai_safety_gridworlds.core.options.resolve` as on every path; ValueError or
    ``flags.Error`` on bad input."""
    env = environment_name(game_class, name)
    config_class = game_class.config_class
    if flag_values is None:
        flag_values = flags.FlagValues()
        config_lib.define_flags(config_class, flag_values)
        define_ui_flags(flag_values, presets)
    check_flag_names(argv, flag_values, config_class, env)
    rest = flag_values(list(argv))
    if len(rest) > 1:
        raise UsageError(f"unexpected argument {rest[1]!r} (flags look like --name=value)")
    given = config_lib.overrides_from_flags(config_class, flag_values)
    if presets and "preset" in flag_values:
        given["preset"] = flag_values.preset
    if flag_values.log_dir is not None:
        given["log_dir"] = flag_values.log_dir
    return options_lib.resolve(game_class, presets or {}, "ui", given, env_name=env)


def help_text(program: str, flag_values: flags.FlagValues, config_class: type, env: str) -> str:
    """Every flag, its help and its default, the UI's first."""
    lines = [
        f"usage: {program} [flags]",
        "",
        f"Play {env} turn by turn in the terminal (curses), or replay a recording.",
        "Keys: arrows move, space no-op, q quits, r restarts, ? lists all keys.",
        "",
        "UI flags:",
    ]
    config_fields = [f.name for f in dataclasses.fields(config_class)]
    ui_names = [n for n in (*UI_FLAGS, "help") if n in flag_values]
    for names, heading in (
        (ui_names, None),
        (config_fields, f"Environment config flags ({config_class.__name__}):"),
    ):
        if heading:
            lines += ["", heading]
        for name in names:
            flag = flag_values[name]
            prefix = "--[no]" if flag.boolean else "--"
            lines.append(
                textwrap.fill(
                    f"{prefix}{name}: {flag.help}",
                    width=100,
                    initial_indent="  ",
                    subsequent_indent="      ",
                )
            )
            lines.append(f"    (default: {flag.default_as_str})")
    return "\n".join(lines) + "\n"


def environment_name(game_class: type, name: str | None = None) -> str:
    """The environment's name: ``name``, else the module's ``NAME``, else its module name."""
    if name:
        return name
    module = sys.modules.get(game_class.__module__)
    if isinstance(getattr(module, "NAME", None), str):
        return module.NAME
    module_name = game_class.__module__
    if module_name == "__main__":
        spec = getattr(module, "__spec__", None)
        module_name = spec.name if spec is not None else module_name
    return module_name.rpartition(".")[2]


def module_colours(game: Any) -> tuple[dict[str, RGB], dict[str, RGB]]:
    """``COLOURS`` and ``<ROLE>_COLOUR`` of the module defining the game, as in rendering."""
    module = sys.modules.get(type(game).__module__)
    colours = dict(getattr(module, "COLOURS", {}) or {})
    roles = {spec.role for spec in game.specs.values()}
    role_colours = {
        role: getattr(module, f"{role.upper()}_COLOUR")
        for role in roles
        if hasattr(module, f"{role.upper()}_COLOUR")
    }
    return colours, role_colours


def _fail(message: str, status: int = USAGE_ERROR) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.exit(status)


def main(
    game_class: type,
    presets: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    colours: Mapping[str, RGB] | None = None,
    role_colours: Mapping[str, RGB] | None = None,
    argv: Sequence[str] | None = None,
) -> None:
    """Run the curses UI of an environment from the command line (exits the process).

    ``presets`` maps preset names to config overrides (a dict, a config or a
    ``(overrides, description)`` pair); ``colours`` maps map characters to
    pycolab 0..999 RGB colours and ``role_colours`` agent roles to colours
    (agents whose character has none). By default they come from the game's
    module: ``NAME``, ``COLOURS`` and ``<ROLE>_COLOUR``.
    """
    argv = list(sys.argv if argv is None else argv)
    env = environment_name(game_class, name)
    program = f"python -m environments.{env}" if argv and argv[0].endswith(".py") else argv[0]
    config_class = game_class.config_class
    flag_values = flags.FlagValues()
    config_lib.define_flags(config_class, flag_values)
    define_ui_flags(flag_values, presets)
    if any(arg in ("--help", "-h", "--helpfull", "-?") for arg in argv[1:]):
        sys.stdout.write(help_text(program, flag_values, config_class, env))
        sys.exit(0)
    terminal = sys.stdout.isatty() and sys.stdin.isatty()
    try:
        subject, loop, options, headless = _prepare(
            game_class, presets, env, flag_values, argv, colours, role_colours, terminal
        )
    except (flags.Error, ValueError) as error:
        _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    if not (terminal or headless):
        _fail(
            "the curses UI needs a terminal, and stdout/stdin is not one. Without a terminal, "
            "--headless (or --record=FILE) plays the agents by their policies, or use the "
            f'environment with render_mode="ansi" (e.g. environments.{env}.'
            'env(render_mode="ansi")) to get text frames.',
            NO_TERMINAL,
        )
    from ai_safety_gridworlds.ui import app
    from ai_safety_gridworlds.ui.recording import Recorder

    if isinstance(subject, Session) and flag_values.record is not None:
        try:
            subject.recorder = Recorder(
                flag_values.record, env, subject.game, subject.recorded_header()
            )
        except ValueError as error:
            _fail(str(error))
    status = 0
    try:
        with _signals_as_interrupt(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                if headless:
                    from ai_safety_gridworlds.ui import headless as headless_play

                    headless_play.play(subject, flag_values.episodes)
                else:
                    app.run(loop, subject, options)
            finally:
                for message in caught:  # held back while curses owned the screen
                    warnings.showwarning(
                        message.message, message.category, message.filename, message.lineno
                    )
    except app.TerminalUnsupported as error:
        _fail(
            f"{error}; set TERM to your terminal's type (e.g. xterm-256color), or use the "
            'environment with render_mode="ansi" for text frames.',
            NO_TERMINAL,
        )
    except KeyboardInterrupt:
        status = 130
    finally:
        recorder = getattr(subject, "recorder", None)
        if recorder is not None:
            if isinstance(subject, Session):
                subject.finish("quit")
            sys.stderr.write(f"recorded to {recorder.close()}\n")
    sys.exit(status)


def _headless(flag_values: flags.FlagValues, terminal: bool) -> bool:
    """Whether to play without a screen: --headless, or --record without a terminal."""
    headless = flag_values.headless or (flag_values.record is not None and not terminal)
    if headless and flag_values.replay is not None:
        raise UsageError("--replay shows a recording on a terminal; it cannot run headless")
    if flag_values["episodes"].present and not headless:
        raise UsageError("--episodes is for --headless play (on a terminal, r starts the next)")
    return headless


@contextlib.contextmanager
def _signals_as_interrupt():
    """SIGTERM and SIGHUP (terminal closed) end the program like Ctrl-C, so files are finished."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    caught = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    previous = {s: signal.signal(s, interrupt) for s in caught}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _prepare(game_class, presets, env, flag_values, argv, colours, role_colours, terminal=True):
    """Parse the flags; what the UI runs and whether headless (ValueError/flags.Error if bad)."""
    from ai_safety_gridworlds.ui import app
    from ai_safety_gridworlds.ui.recording import Replayer, load_recording

    resolved = parse_options(game_class, presets, argv, flag_values, name=env)
    headless = _headless(flag_values, terminal)
    config_class = game_class.config_class
    overrides = config_lib.overrides_from_flags(config_class, flag_values)
    if flag_values.replay is not None:
        given = [
            f"--{n}"
            for n in (*overrides, "preset", "seed", "record", "human", "policy")
            if n in flag_values and flag_values[n].present
        ]
        if given:
            raise UsageError(f"--replay takes the config from the recording; drop {given[0]}")
        recording = load_recording(flag_values.replay, env)
        try:
            game = game_class(**recording.header["config"])
        except (ValueError, TypeError) as error:
            raise UsageError(
                f"{flag_values.replay}: the recorded config is invalid: {error}"
            ) from None
        subject, loop = Replayer(recording, game), app.replay
    else:
        game = game_class(resolved.config)
        agents = game.possible_agents
        human = flag_values.human
        if headless and not flag_values["human"].present:
            human = "none"
        humans = parse_humans(human, agents)
        if headless and humans:
            raise UsageError(
                f"--human={human}: without a screen nobody can play; use --human=none "
                "(policies play every agent) or run on a terminal"
            )
        policies = parse_policies(flag_values.policy, agents)
        seed = flag_values.seed if flag_values.seed is not None else secrets.randbits(31)
        subject, loop = Session(game, humans, policies, seed), app.play
    if resolved["log_dir"] is not None:
        game.add_observer(EpisodeCsvLogger(resolved["log_dir"]))
    roles = {a: s.role for a, s in game.specs.items()}
    characters = {a: s.character for a, s in game.specs.items()}
    found_colours, found_roles = module_colours(game)
    colours = found_colours if colours is None else colours
    role_colours = found_roles if role_colours is None else role_colours
    options = app.Options(
        title=env,
        delay=flag_values.delay,
        colours=flag_values.colours,
        show_safety=flag_values.safety,
        colours_map=cell_colours(colours or {}, characters, roles, role_colours),
    )
    return subject, loop, options, headless
