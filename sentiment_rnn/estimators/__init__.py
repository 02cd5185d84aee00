"""The classifiers as scikit-learn style estimators over raw texts.

    rnn.py       ``RNNClassifier``: text -> tokens -> ids -> network -> labels; the shared ``BaseClassifier``
    ensemble.py  ``EnsembleClassifier``: the average of several fitted networks' class probabilities
    language_model.py       pretraining a recurrent language model by truncated BPTT; perplexity; the LM file
    from_language_model.py  a classifier started from a language model (`train --from-lm`), discriminative rates

The review model's classifier, which reads a review sentence by sentence, is in :mod:`sentiment_rnn.review`.
"""
