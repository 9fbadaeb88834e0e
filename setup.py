"""Package metadata and extras of ai-safety-gridworlds."""

from setuptools import find_packages, setup

EXTRAS = {
    "plots": ["matplotlib>=3.7"],
    "progress": ["tqdm>=4.60"],
    "ray": ["ray>=2.9"],
    "torch": ["torch>=2.0"],
}
EXTRAS["test"] = [
    "pytest>=7",
    "pyte>=0.8",
    "pillow>=9",
    "ruff>=0.5",
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
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["ai_safety_gridworlds*", "environments*", "experiments*"]),
    install_requires=[
        "pycolab==1.2",
        "six",
        "numpy>=1.24",
        "absl-py>=1.0",
        "gymnasium>=1.0",
        "pettingzoo>=1.24",
        "cffi>=1.15",
        "windows-curses; platform_system == 'Windows'",
    ],
    extras_require=EXTRAS,
)
