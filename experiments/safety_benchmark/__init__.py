"""The safety benchmark: environments x presets x policies x seeds, the mean and 95% interval of
every return and hidden safety metric (``python -m experiments.safety_benchmark --help``).

``cli`` (the command), ``matrix`` (what to run), ``episode`` (one episode), ``backends``
(serial, process pool, Ray), ``stats``, ``results`` (CSV/JSON), ``table`` and ``plots``.
"""
