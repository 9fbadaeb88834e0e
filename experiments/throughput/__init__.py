"""Throughput of every path, with random actions (``python -m experiments.throughput --help``).

``harness`` (cases, timing, the report and the command), one module of cases per environment
(``firemaker``, ``diamond``).
"""
