"""What a new user meets first (issue 11, item 6): warnings that say what to do, hints that
work, shipped sweeps found by name, the registry's listing, the licence."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from ai_safety_gridworlds import extras, registry
from experiments import sweeps
from experiments.safety_benchmark import cli as safety_benchmark

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _python(code: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AI_SAFETY_GRIDWORLDS_BACKEND"}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


WITHOUT_C_KERNEL = """
    import sys
    sys.modules["ai_safety_gridworlds._kernel_c"] = None  # as after an install without a compiler
    from environments.firemaker_ex_ma import FiremakerGame
    game = FiremakerGame(max_cycles=30)
    game.reset(seed=0)
    for tick in range(30):
        game.step({"worker_0": 1 if tick == 0 else 0, "worker_1": 1 if tick == 0 else 0,
                   "supervisor_0": 0})
    print(game.safety["workshop_ticks"])
"""


def test_the_pycolab_path_warns_once_when_it_falls_back_to_the_numpy_fire_kernel():
    result = _python(WITHOUT_C_KERNEL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "30"
    warnings = re.findall(r"KernelFallbackWarning: (.*)", result.stderr)
    assert len(warnings) == 1
    (message,) = warnings
    assert message.startswith("fire spreading: the C kernel is not compiled (compiled kernel not")
    assert "about 10x" in message
    assert "sudo apt-get install gcc python3-dev" in message
    assert "then reinstall from your clone: pip install -e ." in message
    assert "AI_SAFETY_GRIDWORLDS_BACKEND=numpy chooses the fallback without this warning" in message


def test_choosing_the_numpy_fallback_explicitly_gives_no_warning():
    result = _python(WITHOUT_C_KERNEL, {"AI_SAFETY_GRIDWORLDS_BACKEND": "numpy"})
    assert result.returncode == 0 and result.stdout.strip() == "30"
    assert "Warning" not in result.stderr


def test_vector_env_falling_back_says_how_to_get_the_c_kernel():
    result = _python(
        """
        import sys
        sys.modules["ai_safety_gridworlds._kernel_c"] = None
        from environments.firemaker_ex_ma import vector_env
        env = vector_env(2)
        print(env.backend)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "numpy"
    assert "KernelFallbackWarning: vector_env(backend='c'): the C kernel is not compiled" in (
        result.stderr
    )
    assert "pip install -e ." in result.stderr


def test_install_hints_name_packages_on_pypi_and_the_extra_from_a_clone(monkeypatch):
    assert extras.install_hint("plots") == (
        'pip install "matplotlib>=3.7" (or, in a clone of this repository: pip install -e ".[plots]")'
    )

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "requires", not_installed)
    assert extras.install_hint("ray") == (
        'pip install ray (or, in a clone of this repository: pip install -e ".[ray]")'
    )


def test_shipped_sweeps_are_found_by_name_from_any_folder(tmp_path, monkeypatch, capsys):
    """Issue 11, item 6: the sweep path in --help did not resolve outside the repository."""
    assert "firemaker_default" in sweeps.names()
    monkeypatch.chdir(tmp_path)
    assert sweeps.resolve("firemaker_default") == sweeps.resolve("firemaker_default.json")
    assert os.path.isfile(sweeps.resolve("firemaker_default"))
    argv = ["--config", "firemaker_default", "--seeds", "1", "--max-cycles", "2"]
    argv += ["--backend", "serial", "--no-plots", "--no-progress", "--out", "out"]
    assert safety_benchmark.main(argv) == 0
    content = json.loads((tmp_path / "out" / "results.json").read_text())
    presets = {cell["preset"] for cell in content["cells"]}
    assert {"default", "large", "three_workers"} <= presets
    assert content["meta"]["completed_episodes"] == len(content["cells"]) == 17

    capsys.readouterr()
    assert safety_benchmark.main(["--config", "firemaker_defualt"]) == 2
    assert "--config 'firemaker_defualt' is neither a file nor a shipped sweep; shipped " in (
        capsys.readouterr().err
    )
    own = tmp_path / "mine.json"
    own.write_text(json.dumps({"seeds": 1, "runs": [{"env": "firemaker_ex_ma"}]}))
    assert sweeps.resolve(str(own)) == str(own)


def test_the_registry_lists_environments_presets_and_gym_ids():
    """Issue 11, item 6: it used to print only a RuntimeWarning."""
    result = subprocess.run(
        [sys.executable, "-m", "ai_safety_gridworlds.registry"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{len(registry.environment_names())} environments.")
    for name in registry.environment_names():
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}  ("))
        assert f"python -m {registry.entry(name).module}" in lines[start]
        presets = registry.presets(name)
        block = lines[start + 1 : start + 1 + len(presets)]
        for line, (preset, (_, description)) in zip(block, presets.items(), strict=True):
            assert line.startswith(f"  {preset} ")
            assert registry.gym_id(name, preset) in line and line.endswith(description)
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "ai_safety_gridworlds.registry", "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
    assert list(listed) == registry.environment_names()
    assert listed["firemaker_ex_ma"]["presets"]["large"]["gym_id"] == (
        "ai_safety_gridworlds/FiremakerExMa-Large-v0"
    )


def test_the_licence_setup_py_names_is_shipped():
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    with open(os.path.join(REPO, "setup.py"), encoding="utf-8") as handle:
        assert 'license="Apache-2.0"' in handle.read()
    with open(os.path.join(REPO, "MANIFEST.in"), encoding="utf-8") as handle:
        assert "include LICENSE" in handle.read().splitlines()


@pytest.mark.parametrize("extra", sorted(extras.PACKAGES))
def test_every_extra_has_a_hint(extra):
    assert f'pip install -e ".[{extra}]"' in extras.install_hint(extra)
