"""Measuring models: metrics, the negation benchmark, bag-of-words baselines, comparisons, gradient-flow
diagnostics and ``explain`` (the sentiment after every token).

    metrics.py      accuracy, macro-F1, confusion matrix
    negation.py     the treebank's negation slices and the contrast set
    baselines.py    scikit-learn bag-of-words baselines (imported only when used: scikit-learn is slow to load)
    comparison.py   RNNs and baselines on one benchmark, as a table
    diagnostics.py  learning curves and gradient norm by distance from the last token
    explain.py      the running P(class) after every token, beside the bag of words' word weights
"""
