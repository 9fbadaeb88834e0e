"""cffi builder of the C kernel ``ai_safety_gridworlds._kernel_c`` (API, out-of-line mode).

``setup.py`` uses it through ``cffi_modules=["ai_safety_gridworlds/_kernel_build.py:ffibuilder"]``,
so ``pip install .`` and ``pip install -e .`` compile it. It can also be run by hand::

    python ai_safety_gridworlds/_kernel_build.py     # compiles the module in place (build/kernel)

The C sources are found, not listed: ``csrc/common/`` holds what every kernel shares (the
generator, priority order, views, moves, fire spreading), and every other folder of ``csrc/``
one game's kernel (``csrc/<game>/``). Every ``.c`` file of those folders is compiled; a header
whose text has a block between the marker comments ``/* cffi:begin */`` and ``/* cffi:end */``
is part of the Python-visible API: the blocks (plain declarations cffi can parse, and
``#define NAME <integer>`` constants) are handed to ``cdef``, common/ first, and those headers
are included in the module's C source. Every folder is on the include path, so sources include
headers by their file name (which must therefore be unique across the folders). To add a
game's kernel, add its folder; this file names no game.

This file runs at build time before the package is importable: it must not import numpy or
``ai_safety_gridworlds``. Only ``ai_safety_gridworlds.kernel`` loads the compiled module.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from collections.abc import Sequence

from cffi import FFI

MODULE_NAME = "ai_safety_gridworlds._kernel_c"

#: Flags for bit-identical floating point with numpy: no FMA contraction.
COMPILE_ARGS: list[str] = ["-std=c99", "-O2", "-ffp-contract=off"]
#: POSIX threads for the batch kernels' thread pool (csrc/common/parallel.c); on Windows the
#: pool is not built and the kernels step on the calling thread.
THREAD_ARGS: list[str] = [] if os.name == "nt" else ["-pthread"]

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(_ROOT, "csrc")
_BLOCK = re.compile(r"/\*\s*cffi:begin\s*\*/(.*?)/\*\s*cffi:end\s*\*/", re.DOTALL)
#: The folder of csrc/ shared by every kernel; each other folder is one game's kernel.
COMMON = "common"


def source_folders() -> list[str]:
    """The folders of csrc/ compiled into the module: ``common`` first, then the games' sorted."""
    games = sorted(
        name
        for name in os.listdir(CSRC)
        if name != COMMON and os.path.isdir(os.path.join(CSRC, name))
    )
    return [COMMON, *games]


def _files(suffix: str) -> list[str]:
    """Every csrc/<folder>/<file> ending in ``suffix``, folder by folder, sorted in each."""
    found = [
        f"{folder}/{name}"
        for folder in source_folders()
        for name in sorted(os.listdir(os.path.join(CSRC, folder)))
        if name.endswith(suffix)
    ]
    names = [os.path.basename(path) for path in found]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise RuntimeError(f"csrc/: file names must be unique across folders, got {clashes}")
    return found


def _has_cffi_block(header: str) -> bool:
    with open(os.path.join(CSRC, header), encoding="utf-8") as f:
        return _BLOCK.search(f.read()) is not None


#: C sources (csrc/<folder>/<name>.c) compiled into the module, in order.
SOURCES: list[str] = _files(".c")
#: Headers whose cffi blocks form the Python-visible API (the shared ones first).
HEADERS: list[str] = [header for header in _files(".h") if _has_cffi_block(header)]
#: Headers without a cffi block, used by the C sources (rebuild when they change).
INTERNAL_HEADERS: list[str] = [header for header in _files(".h") if header not in HEADERS]


def _path(name: str, relative: bool) -> str:
    """A csrc/ file, relative to the working directory when possible (setuptools prefers it)."""
    full = os.path.join(CSRC, name)
    if not relative:
        return full
    try:
        rel = os.path.relpath(full)
    except ValueError:  # another drive on Windows
        return full
    return full if rel.startswith("..") else rel


def cdef_source(headers: Sequence[str] = HEADERS) -> str:
    """The cffi declarations: every marked block of every header, in order."""
    parts = []
    for header in headers:
        with open(os.path.join(CSRC, header), encoding="utf-8") as f:
            blocks = _BLOCK.findall(f.read())
        if not blocks:
            raise RuntimeError(f"csrc/{header} has no /* cffi:begin */ ... /* cffi:end */ block")
        parts.extend(blocks)
    # cffi's parser does not know "static inline"; a plain prototype binds the same function.
    return re.sub(r"\bstatic\s+inline\s+", "", "\n".join(parts))


def make_ffibuilder(
    extra_compile_args: Sequence[str] = (),
    extra_link_args: Sequence[str] = (),
    module_name: str = MODULE_NAME,
    relative_paths: bool = True,
) -> FFI:
    """An FFI builder of the kernel; the extra flags are for sanitizer or debug builds.

    ``relative_paths`` gives csrc/ paths relative to the working directory (what setup.py
    needs); ``FFI.compile`` changes directory, so it needs absolute ones.
    """
    ffi = FFI()
    ffi.cdef(cdef_source())
    ffi.set_source(
        module_name,
        "".join(f'#include "{os.path.basename(header)}"\n' for header in HEADERS),
        sources=[_path(source, relative_paths) for source in SOURCES],
        depends=[_path(header, relative_paths) for header in HEADERS + INTERNAL_HEADERS],
        include_dirs=[_path(folder, relative_paths) for folder in source_folders()],
        extra_compile_args=[*COMPILE_ARGS, *THREAD_ARGS, *extra_compile_args],
        extra_link_args=[*THREAD_ARGS, *extra_link_args],
    )
    return ffi


def compile_module(
    package_dir: str,
    build_dir: str,
    extra_compile_args: Sequence[str] = (),
    extra_link_args: Sequence[str] = (),
) -> str:
    """Compile the module in ``build_dir`` and copy the .so into ``package_dir``; return its path.

    ``package_dir`` is a directory holding an ``ai_safety_gridworlds`` package (for a build in
    place, the repository root). Used by ``__main__`` below and by ``.ci/sanitize.sh``.
    """
    ffi = make_ffibuilder(extra_compile_args, extra_link_args, relative_paths=False)
    built = ffi.compile(tmpdir=build_dir)
    target_dir = os.path.join(package_dir, "ai_safety_gridworlds")
    for stale in glob.glob(os.path.join(target_dir, "_kernel_c.*.so")):
        os.remove(stale)  # e.g. an .abi3.so of pip install -e would shadow or be shadowed
    target = os.path.join(target_dir, os.path.basename(built))
    shutil.copyfile(built, target)
    return target


ffibuilder = make_ffibuilder()


if __name__ == "__main__":
    # Compile in place: the .so lands in ai_safety_gridworlds/ next to this file.
    print(compile_module(_ROOT, os.path.join(_ROOT, "build", "kernel")))
