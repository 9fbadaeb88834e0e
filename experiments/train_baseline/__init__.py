"""A learning baseline: PPO on the Firemaker C batch (``python -m experiments.train_baseline``).

``cli`` (the command and its settings), ``ppo`` (the learner; needs torch) and ``evaluation``
(the trained policy and a scripted reference on the same seeds).
"""
