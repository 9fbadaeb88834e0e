"""``python -m experiments.throughput``: see :mod:`experiments.throughput.harness`."""

import sys

from experiments.throughput.harness import main

if __name__ == "__main__":
    sys.exit(main())
