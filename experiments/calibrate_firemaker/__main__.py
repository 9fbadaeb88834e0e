"""``python -m experiments.calibrate_firemaker``: see the package docstring."""

import sys

from experiments.calibrate_firemaker.cli import main

sys.exit(main())
