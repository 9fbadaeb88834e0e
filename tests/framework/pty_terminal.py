"""A program running in a pseudo-terminal, its screen read through pyte.

Tests send keys, wait (with a timeout) until the screen shows what they
expect, resize the terminal and collect the exit status, so they do not
depend on how fast the machine is.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable, Sequence

import pyte

KEYS = {
    "left": "\x1bOD",
    "right": "\x1bOC",
    "up": "\x1bOA",
    "down": "\x1bOB",
    "home": "\x1bOH",
    "end": "\x1bOF",
}
"""Key sequences of an xterm in keypad (application) mode, which curses turns on."""


class Screen(pyte.Screen):
    """A pyte screen that also scrolls its region on SU and SD (``CSI n S`` / ``CSI n T``).

    pyte 0.8 ignores both, but curses sends them (terminfo ``indn``/``rin`` of xterm) to move
    the lines of a region, e.g. a panel paged down: without them the old lines stay on screen.
    Like xterm, they move the lines between the margins and leave the cursor where it is.
    """

    def scroll_up(self, count: int | None = None) -> None:
        self._scroll(self.index, "bottom", count)

    def scroll_down(self, count: int | None = None) -> None:
        self._scroll(self.reverse_index, "top", count)

    def _scroll(self, step: Callable[[], None], edge: str, count: int | None) -> None:
        margins = self.margins or pyte.screens.Margins(0, self.lines - 1)
        y = self.cursor.y
        self.cursor.y = getattr(margins, edge)
        for _ in range(count or 1):
            step()
        self.cursor.y = y


class ByteStream(pyte.ByteStream):
    """pyte's byte stream, dispatching SU and SD to :class:`Screen`."""

    csi = {**pyte.ByteStream.csi, "S": "scroll_up", "T": "scroll_down"}


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Terminal:
    """``python -m <module> <args>`` in a ``rows`` x ``cols`` pseudo-terminal."""

    def __init__(
        self,
        module: str,
        args: Sequence[str] = (),
        rows: int = 50,
        cols: int = 120,
        term: str = "xterm-256color",
        cwd: str | None = None,
    ):
        env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
        env.update(TERM=term, LANG="C.UTF-8", LC_ALL="C.UTF-8", ESCDELAY="25")
        argv = [sys.executable, "-m", module, *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                _set_size(0, rows, cols)
                if cwd:
                    os.chdir(cwd)
                os.execve(sys.executable, argv, env)
            finally:
                os._exit(127)
        self.screen = Screen(cols, rows)
        self.stream = ByteStream(self.screen)
        self.raw = bytearray()
        self.status: int | None = None

    def _read(self, timeout: float) -> bool | None:
        """Feed the output arriving within ``timeout`` to the screen.

        Returns True if some arrived, None if none did, False at end of output.
        """
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.raw.extend(data)
        self.stream.feed(data)
        return True

    def _settle(self) -> None:
        """Read until the program has been quiet for a moment (a screen is drawn in pieces)."""
        while self._read(0.05):
            pass

    @property
    def lines(self) -> list[str]:
        """The screen's lines."""
        return list(self.screen.display)

    @property
    def text(self) -> str:
        """The screen as one string."""
        return "\n".join(self.screen.display)

    def wait_for(self, expected: str | Callable[[str], bool], timeout: float = 15.0) -> str:
        """Read output until the screen contains ``expected`` (text or regex match, or predicate)."""

        def check(text: str) -> bool:
            if isinstance(expected, str):
                return re.search(expected, text) is not None
            try:
                return bool(expected(text))
            except (AssertionError, LookupError, ValueError):
                return False  # a screen half drawn

        deadline = time.monotonic() + timeout
        while True:
            if check(self.text):
                self._settle()
                if check(self.text):
                    return self.text
            if time.monotonic() > deadline or self._read(0.05) is False:
                raise AssertionError(f"screen never showed {expected!r}; screen:\n{self.text}")

    def send(self, keys: str) -> None:
        """Type keys (names of :data:`KEYS` or plain text)."""
        os.write(self.fd, KEYS.get(keys, keys).encode())

    def resize(self, rows: int, cols: int) -> None:
        """Resize the terminal (the program gets SIGWINCH)."""
        self.screen.resize(rows, cols)
        _set_size(self.fd, rows, cols)

    def wait_exit(self, timeout: float = 15.0) -> int:
        """Wait for the program to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                raise AssertionError(f"the program did not exit; screen:\n{self.text}")
        return self.status

    def close(self) -> None:
        """Stop the program if it still runs; release the terminal."""
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -signal.SIGKILL
        os.close(self.fd)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
