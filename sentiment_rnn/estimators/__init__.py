"""The classifiers as scikit-learn style estimators over raw texts.

    rnn.py       ``RNNClassifier``: text -> tokens -> ids -> network -> labels; the shared ``BaseClassifier``
    ensemble.py  ``EnsembleClassifier``: the average of several fitted networks' class probabilities

The review model's classifier, which reads a review sentence by sentence, is in :mod:`sentiment_rnn.review`.
"""
