"""The faces of a game for learners: PettingZoo (``pettingzoo_env``), Gymnasium (``gym_env``),
the options and reward conversion they share (``adapter``) and rendering (``rendering``)."""
