"""``python -m experiments.train_baseline``: see :mod:`experiments.train_baseline.cli`."""

import sys

from experiments.train_baseline.cli import main

if __name__ == "__main__":
    sys.exit(main())
