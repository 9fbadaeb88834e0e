"""``python -m experiments.safety_benchmark``: see :mod:`experiments.safety_benchmark.cli`."""

import sys

from experiments.safety_benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main())
