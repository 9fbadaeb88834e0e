"""A learning baseline: PPO on a C batch env (``python -m experiments.train_baseline``).

``cli`` (the command and its settings), ``ppo`` (the learner; needs torch), ``evaluation``
(the trained policy and a scripted reference on the same seeds) and ``checkpoint`` (a saved
``model.pt`` as a policy of the pycolab path; needs torch).
"""
