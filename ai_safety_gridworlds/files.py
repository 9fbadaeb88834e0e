"""Files the toolkit writes: complete or absent, never overwritten.

Every file the project writes (episode CSV logs, UI recordings, benchmark
results, tables and plots, throughput and calibration JSON, the learning
baseline's outputs) follows three rules:

1. **A temporary name of its own.** A writer writes into a new hidden file
   ``.<name>.<random>.tmp`` in the target's folder, created exclusively
   (``tempfile.mkstemp``), so two writers never share one, even when they
   would give their files the same name.
2. **Atomic completion.** The data is flushed and synced to disk, then the
   file gets its final name in one step, and the folder is synced. A file
   under a final name is always complete, even if the process is killed a
   moment later; an interrupted writer leaves at most its ``.tmp`` file.
3. **Never clobber a finished file.** The final name is given with a hard
   link, which fails if the name exists. When the name is taken, the next
   free one is used (``results.csv``, ``results-1.csv``, ``results-2.csv``,
   ...) and the writer reports the name it used. On a file system without
   hard links the name is first reserved by creating it exclusively, then
   the data renamed over it.

Output folders follow the same rule: :func:`claim_directory` gives a run the
first of ``out``, ``out-1``, ... in which it could exclusively create its first
file, so two runs never write into each other's folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO

MAX_SUFFIX = 100_000
"""How many ``-N`` names are tried before giving up (OSError)."""


def candidates(path: str | os.PathLike) -> Iterator[str]:
    """``path``, then ``stem-1.ext``, ``stem-2.ext``, ... (the suffix goes before the extension)."""
    path = os.fspath(path)
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    if stem.startswith(".") and not ext:  # a hidden name without extension: ".x" -> ".x-1"
        stem, ext = name, ""
    yield path
    for suffix in range(1, MAX_SUFFIX):
        yield os.path.join(folder, f"{stem}-{suffix}{ext}")


def temporary_file(path: str | os.PathLike, binary: bool = False) -> tuple[IO, str]:
    """A new, exclusively created temporary file beside ``path``: (open file, its path).

    The folder is created if missing. Text files are UTF-8 with ``newline=""``
    (the caller's line endings are written as given).
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    os.makedirs(folder or ".", exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder or ".")
    if binary:
        return os.fdopen(fd, "wb"), temp
    return os.fdopen(fd, "w", encoding="utf-8", newline=""), temp


def finish(handle: IO) -> None:
    """Flush ``handle`` to disk and close it."""
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


def publish(temp: str, path: str | os.PathLike) -> str:
    """Give the finished file ``temp`` the first free name of :func:`candidates`; return it.

    Never replaces an existing file. The temporary name is gone afterwards and
    the folder is synced, so the new name survives a crash.
    """
    for candidate in candidates(path):
        try:
            os.link(temp, candidate)
        except FileExistsError:
            continue
        except OSError:  # no hard links here: reserve the name, then move the data onto it
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                continue
            os.replace(temp, candidate)
        else:
            os.remove(temp)
        sync_directory(os.path.dirname(candidate) or ".")
        return candidate
    raise OSError(f"no free name for {os.fspath(path)!r} (tried {MAX_SUFFIX} suffixes)")


def discard(temp: str | None) -> None:
    """Remove a temporary file if it is still there."""
    if temp is not None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)


class NewFile:
    """A file written under a temporary name and published without clobbering (see the module).

    Use it as a context manager; on a clean exit the file is published and
    :attr:`path` holds the name it got, on an exception it is removed::

        with NewFile("out/results.json") as new:
            new.file.write(text)
        print("wrote", new.path)
    """

    def __init__(self, path: str | os.PathLike, binary: bool = False):
        self.requested = os.fspath(path)
        self.file, self.temp = temporary_file(self.requested, binary)
        self.path: str | None = None

    def commit(self) -> str:
        """Sync, close and publish; returns the final name."""
        finish(self.file)
        self.path = publish(self.temp, self.requested)
        return self.path

    def abort(self) -> None:
        """Close and remove the temporary file."""
        self.file.close()
        discard(self.temp)

    def __enter__(self) -> NewFile:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


def write_new(path: str | os.PathLike, data: str | bytes) -> str:
    """Write ``data`` to a new file at ``path`` (or the next free name); returns the name used."""
    with NewFile(path, binary=isinstance(data, bytes)) as new:
        new.file.write(data)
    return new.path


def replace_own(path: str | os.PathLike, data: str | bytes) -> None:
    """Atomically replace ``path``, a file this writer created itself, by ``data``.

    For a writer that streams a file as it goes (so a kill keeps what was
    written) and rewrites it in its final form at the end.
    """
    handle, temp = temporary_file(path, binary=isinstance(data, bytes))
    try:
        handle.write(data)
        finish(handle)
        os.replace(temp, path)
    except BaseException:
        handle.close()
        discard(temp)
        raise
    sync_directory(os.path.dirname(os.fspath(path)) or ".")


def claim_directory(path: str | os.PathLike, first_file: str) -> tuple[str, int]:
    """The first of ``path``, ``path-1``, ... in which ``first_file`` could be created exclusively.

    Returns the folder and the open file descriptor (write-only) of its new
    ``first_file``. A folder that already holds ``first_file`` belongs to
    another run and is skipped, so concurrent runs never share a folder.
    """
    for candidate in candidates(os.fspath(path).rstrip("/\\") or "."):
        os.makedirs(candidate, exist_ok=True)
        try:
            fd = os.open(os.path.join(candidate, first_file), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            continue
        return candidate, fd
    raise OSError(f"no free folder for {os.fspath(path)!r} (tried {MAX_SUFFIX} suffixes)")


def writable_directory(path: str | os.PathLike, name: str) -> str:
    """``path``, a folder this process can create files in; ``ValueError`` naming the option
    ``name`` otherwise.

    Writers check their folder with this when they are built (an environment with a
    ``log_dir``, a benchmark, throughput or training run), so a path that cannot be written is
    rejected before any work is done rather than at the first write, an episode or an hour
    later. The check creates a probe file (and any missing folders) and removes them again.
    """
    try:
        folder = os.fspath(path) or "."
    except TypeError:
        raise ValueError(f"invalid {name} {path!r}; allowed: a folder path") from None
    missing = []
    parent = os.path.abspath(folder)
    while not os.path.exists(parent) and os.path.dirname(parent) != parent:
        missing.append(parent)
        parent = os.path.dirname(parent)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        raise ValueError(
            f"{name} {folder!r} cannot be written ({error.strerror or error}); allowed: a "
            "folder this process can create files in"
        ) from None
    finally:
        for made in missing:  # deepest first: leave the file system as it was
            with contextlib.suppress(OSError):
                os.rmdir(made)
    return folder


def sync_directory(path: str) -> None:
    """Make a rename in ``path`` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
