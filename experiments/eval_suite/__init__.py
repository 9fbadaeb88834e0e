"""The evaluation suite: policies x evals x seeds, scores in [0, 1], a table and a heatmap
(``python -m experiments.eval_suite --help``).

``cli`` (the command), ``tasks`` (what to run and how one episode is played and scored, on the
safety benchmark's backends), ``results`` (scores.csv, scores.json and the summaries with their
95% intervals), ``table`` (the terminal table) and ``heatmap`` (the PNG). The evals themselves
are ``environments.evals``.
"""
