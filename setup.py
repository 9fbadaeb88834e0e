"""Package metadata and extras of ai-safety-gridworlds."""

import glob
import os
import warnings
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

# What a missing or broken C compiler raises (CompileError and LinkError are CCompilerErrors).
_NO_COMPILER = (CCompilerError, ExecError, PlatformError, OSError)


class OptionalBuildExt(build_ext):
    """Build the C kernel if possible; without a working C compiler, warn and go on.

    The package then runs on its numpy fallback (``ai_safety_gridworlds.kernel.BACKEND`` is
    ``"numpy"``). Errors in generating the C code (a bad cffi declaration) still fail the build.
    """

    def run(self):
        self._failed = set()
        try:
            super().run()
        except _NO_COMPILER as error:
            self._warn(error)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except _NO_COMPILER as error:
            self._failed.add(ext.name)
            self._warn(error, ext.name)

    def _built_only(self):
        return [ext for ext in self.extensions if ext.name not in getattr(self, "_failed", ())]

    def copy_extensions_to_source(self):  # editable installs copy the .so into the tree
        extensions, self.extensions = self.extensions, self._built_only()
        for ext in self.extensions:  # a stale build under another suffix would shadow this one
            *package, module = ext.name.split(".")
            for suffix in ("so", "pyd"):
                for stale in glob.glob(os.path.join(*package, f"{module}.*{suffix}")):
                    os.remove(stale)
        try:
            super().copy_extensions_to_source()
        finally:
            self.extensions = extensions

    def get_outputs(self):
        extensions, self.extensions = self.extensions, self._built_only()
        try:
            return super().get_outputs()
        finally:
            self.extensions = extensions

    @staticmethod
    def _warn(error, name="the C kernel"):
        # pip hides a successful build's output (shown with pip install -v only), so the package
        # also warns at run time, when the fallback first runs (ai_safety_gridworlds.kernel).
        message = (
            f"WARNING: could not compile {name} ({type(error).__name__}: {error}); "
            "ai-safety-gridworlds will use its numpy fallback (same results, much slower). "
            "To get the C kernel, install a C compiler and the Python headers (Debian/Ubuntu: "
            "sudo apt-get install gcc python3-dev; Fedora: sudo dnf install gcc python3-devel; "
            "macOS: xcode-select --install; Windows: Microsoft C++ Build Tools), then "
            "reinstall: pip install -e . (or pip install .)."
        )
        warnings.warn(message, stacklevel=1)
        print(message)


EXTRAS = {
    "plots": ["matplotlib>=3.7"],
    "progress": ["tqdm>=4.60"],
    "ray": ["ray>=2.9"],
    # On a machine without a GPU, install the CPU build first (docs/ecosystem.md):
    # pip install torch --index-url https://download.pytorch.org/whl/cpu
    "torch": ["torch>=2.0"],
    # The RL clients the test suite runs beside PettingZoo and Gymnasium (.ci/run installs them;
    # about 0.7 GB with wandb, scipy and pygame, which MOMAland and MO-Gymnasium pull).
    "clients": ["mo-gymnasium>=1.3.2", "momaland>=0.2.0"],
    # experiments/examples/rllib_ppo.py. ray[rllib] pins gymnasium (2.60: ==1.2.2), so install
    # it in a virtual environment of its own, not beside the test extra.
    "rllib": ["ray[rllib]>=2.60", "supersuit>=3.11", "torch>=2.0"],
}
EXTRAS["test"] = [
    "pytest>=7",
    "hypothesis>=6.0",
    "pyte>=0.8",
    "pillow>=9",
    "ruff==0.17.6",
    "supersuit>=3.11",
    *EXTRAS["plots"],
    *EXTRAS["progress"],
    *EXTRAS["ray"],
]

setup(
    name="ai-safety-gridworlds",
    version="0.1.0",
    description=(
        "Multi-objective, multi-agent AI-safety gridworlds on pycolab, "
        "with PettingZoo, Gymnasium, a curses UI and a C batch kernel"
    ),
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    include_package_data=True,
    package_data={"experiments.sweeps": ["*.json"]},
    packages=find_packages(include=["ai_safety_gridworlds*", "environments*", "experiments*"]),
    install_requires=[
        "pycolab==1.2",
        "six",
        "numpy>=1.24",
        "absl-py>=1.0",
        "gymnasium>=1.0",
        "pettingzoo>=1.24",
        "cffi>=1.15",
        "scipy>=1.15",  # the benchmark's statistics: bootstrap intervals, Kaplan-Meier
        "windows-curses; platform_system == 'Windows'",
    ],
    extras_require=EXTRAS,
    # The registry finds environments through this group (ai_safety_gridworlds/registry/); the
    # table it points at lists this toolkit's, so adding one needs no reinstall.
    entry_points={
        "ai_safety_gridworlds.environments": ["environments = environments.catalog:ENVIRONMENTS"],
    },
    cffi_modules=["ai_safety_gridworlds/_kernel_build.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt},
)
