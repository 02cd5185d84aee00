"""Training a network: the fit loop and what it rests on.

    loop.py        the fit loop: mini-batches, clipping, early stopping on the dev split, the best weights kept
    checkpoint.py  the fit loop's resumable state and its file
    signals.py     SIGTERM and SIGHUP raised as Ctrl-C; updates applied whole

The estimators call the loop from ``fit``; a whole `sentiment-rnn train` run around it is a recipe
(:mod:`sentiment_rnn.recipes`).
"""
