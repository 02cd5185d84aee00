"""Measuring models: metrics, the negation benchmark, bag-of-words baselines, comparisons, gradient-flow
diagnostics and ``explain`` (the sentiment after every token).

    metrics.py      accuracy, macro-F1, confusion matrix
    negation.py     the treebank's negation slices and the contrast set
    baselines.py    scikit-learn bag-of-words baselines (imported only when used: scikit-learn is slow to load)
    stored_baselines.py  a fitted linear bag of words as plain arrays (LinearBaseline), and the cache of them
    comparison.py   RNNs and baselines on one benchmark, as a table
    review_comparison.py  models against the baselines on whole reviews: IMDB, CAD pairs, the contrast set
    diagnostics.py  learning curves and gradient norm by distance from the last token
    explain.py      the running P(class) after every token, beside the bag of words' word weights
    review_explain.py  a review model's verdict as its composition: bias, sentence shares, per-sentence charts
"""
