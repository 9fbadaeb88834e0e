"""``python -m experiments.eval_suite``: see :mod:`experiments.eval_suite.cli`."""

import sys

from experiments.eval_suite.cli import main

if __name__ == "__main__":
    sys.exit(main())
