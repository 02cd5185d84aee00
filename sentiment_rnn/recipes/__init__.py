"""From corpora to a saved model: the training runs the command line and the Dask workers start.

    training_run.py  one run of `sentiment-rnn train`: read the data, fit, score the test split, save the model
    distillation.py  training targets made of a teacher's probabilities (`train --teacher`)
"""
