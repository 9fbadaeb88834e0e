"""Every code block of the README and docs/*.md runs as written (convention: docs/README.md).

A page's blocks run in order in a temporary folder of that page: ``python`` blocks in a fresh
namespace each, in this process; ``python file=NAME`` blocks are written to NAME; ``bash``
blocks through ``bash`` with the repository importable; ``text`` blocks and ``not-run: REASON``
blocks are not run. Also: relative links resolve, and nothing cites the design notes that are
not part of the repository.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(
    os.path.join("docs", name)
    for name in os.listdir(os.path.join(REPO, "docs"))
    if name.endswith(".md")
)
LANGUAGES = ("python", "bash", "text")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
BASH_TIMEOUT = 300


@dataclasses.dataclass
class Block:
    """A fenced code block: where it starts, its info string and its text."""

    page: str
    line: int
    info: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def not_run_reason(self) -> str | None:
        """The reason after ``not-run:`` (empty if missing), or None if the block runs."""
        rest = self.info[len(self.language) :].strip()
        if not rest.startswith("not-run"):
            return None
        return rest[len("not-run") :].lstrip(":").strip()

    @property
    def file_name(self) -> str | None:
        match = re.fullmatch(r"file=(\S+)", self.info[len(self.language) :].strip())
        return match[1] if match else None


def blocks_of(page: str) -> list[Block]:
    """The fenced code blocks of a Markdown page (CommonMark fences, possibly indented)."""
    with open(os.path.join(REPO, page), encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence, opened = len(opening["indent"]), opening["fence"], index + 1
        body = []
        index += 1
        while index < len(lines):
            closing = FENCE.match(lines[index])
            if (
                closing
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            line = lines[index]
            body.append(line[indent:] if line[:indent].isspace() else line)
            index += 1
        found.append(Block(page, opened, opening["info"].strip(), "\n".join(body) + "\n"))
        index += 1
    return found


def test_every_block_says_what_it_is():
    problems = []
    for page in PAGES:
        for block in blocks_of(page):
            if block.language not in LANGUAGES:
                problems.append(
                    f"{block.where}: info string {block.info!r}; allowed languages: "
                    f"{', '.join(LANGUAGES)} (see docs/README.md)"
                )
            elif block.not_run_reason == "":
                problems.append(f"{block.where}: 'not-run' needs a reason: not-run: REASON")
            elif block.not_run_reason is not None and block.language == "text":
                problems.append(f"{block.where}: text blocks never run; drop 'not-run'")
            elif block.file_name is not None and block.language != "python":
                problems.append(f"{block.where}: file= is for python blocks")
            elif (
                block.info != block.language
                and block.not_run_reason is None
                and block.file_name is None
            ):
                problems.append(f"{block.where}: unknown info string {block.info!r}")
    assert not problems, "\n".join(problems)


def test_the_block_parser_reads_info_strings_and_bodies(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "intro\n```python\nx = 1\n```\n\n- item\n\n  ```bash not-run: slow\n  sleep 100\n  ```\n"
        "```python file=mod.py\ndef f():\n    return 2\n```\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "REPO", str(tmp_path))
    first, second, third = blocks_of("page.md")
    assert (first.line, first.language, first.text) == (2, "python", "x = 1\n")
    assert (second.language, second.not_run_reason, second.text) == ("bash", "slow", "sleep 100\n")
    assert (third.file_name, third.text) == ("mod.py", "def f():\n    return 2\n")


def _run_python(block: Block, folder: str) -> None:
    code = compile(block.text, block.where, "exec")
    namespace = {"__name__": "__main__", "__file__": os.path.join(folder, "doc_block.py")}
    exec(code, namespace)


def _run_bash(block: Block, folder: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, folder, env.get("PYTHONPATH")) if p)
    env.pop("AI_SAFETY_GRIDWORLDS_BACKEND", None)
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + block.text],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BASH_TIMEOUT,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{block.where}: bash block failed with status {result.returncode}\n"
            f"--- block ---\n{block.text}--- stdout (end) ---\n{result.stdout[-3000:]}\n"
            f"--- stderr (end) ---\n{result.stderr[-3000:]}"
        )


def _runnable(page: str) -> list[Block]:
    return [
        b for b in blocks_of(page) if b.language in ("python", "bash") and b.not_run_reason is None
    ]


@pytest.mark.parametrize("page", [page for page in PAGES if _runnable(page)])
def test_every_code_block_runs(page, tmp_path, monkeypatch, capsys):
    runnable = _runnable(page)
    folder = str(tmp_path)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(folder)
    before = set(sys.modules)
    try:
        for block in runnable:
            if block.file_name is not None:
                with open(os.path.join(folder, block.file_name), "w", encoding="utf-8") as out:
                    out.write(block.text)
            elif block.language == "python":
                _run_python(block, folder)
            else:
                _run_bash(block, folder)
    finally:
        for name in set(sys.modules) - before:  # modules the page wrote, imported in-process
            module_file = getattr(sys.modules.get(name), "__file__", None) or ""
            if module_file.startswith(folder):
                with contextlib.suppress(KeyError):
                    del sys.modules[name]
    capsys.readouterr()


def _text_files():
    for top in (
        "README.md",
        "setup.py",
        "docs",
        "ai_safety_gridworlds",
        "environments",
        "experiments",
        "csrc",
        "tests",
    ):
        path = os.path.join(REPO, top)
        if os.path.isfile(path):
            yield path
            continue
        for folder, _, names in os.walk(path):
            for name in names:
                if name.endswith((".py", ".md", ".c", ".h", ".json")):
                    yield os.path.join(folder, name)


def test_nothing_cites_design_notes_that_are_not_shipped():
    """Issue 11, item 5: docs and --help cited FIREMAKER.md and BENCHMARKS.md."""
    unshipped = (
        "FIREMAKER.md",
        "BENCHMARKS.md",
        "DIAMOND_CHARGER.md",
        "ARCHITECTURE.md",
        "STYLE.md",
        "ECOSYSTEM_NOTES.md",
    )
    found = []
    for path in _text_files():
        if path == os.path.abspath(__file__):
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                found += [
                    f"{os.path.relpath(path, REPO)}:{number}: {name}"
                    for name in unshipped
                    if name in line
                ]
    assert not found, "\n".join(found)


def test_relative_links_in_the_docs_resolve():
    broken = []
    for page in PAGES:
        with open(os.path.join(REPO, page), encoding="utf-8") as handle:
            text = handle.read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            if not os.path.exists(os.path.join(REPO, os.path.dirname(page), target)):
                broken.append(f"{page}: {target}")
    assert not broken, "\n".join(broken)


ENVIRONMENT_PAGES = {
    "firemaker_ex_ma": ("docs/firemaker.md", {"observation_direction_mode": 2}),
    "diamond_charger_ma": (
        "docs/diamond_charger.md",
        {
            "mate_selection": True,
            "bond_breakable": True,
            "marker_symbols": 8,
            "bodies": ("fighter/worker",),
            "build_resource": "ore",
            "reproduction": True,
        },
    ),
}
"""Each environment's page, and a config that enables every action it has."""


@pytest.mark.parametrize("env_name", sorted(ENVIRONMENT_PAGES))
def test_each_environment_page_names_every_action_preset_and_safety_metric(env_name):
    """The rules pages stay in step with the games: a new action, preset or metric needs a line."""
    from ai_safety_gridworlds import registry

    page, every_action = ENVIRONMENT_PAGES[env_name]
    with open(os.path.join(REPO, page), encoding="utf-8") as handle:
        text = handle.read()
    game = registry.game_class(env_name)(**every_action)
    game.reset(seed=0)
    names = {f"`{name}`" for agent in game.possible_agents for name in game.action_names(agent)}
    names |= {f"`{preset}`" for preset in registry.presets(env_name)}
    names |= {f"`{metric.split('/')[0]}" for metric in game.safety}
    missing = sorted(name for name in names if name not in text)
    assert not missing, f"{page} does not mention {', '.join(missing)}"
