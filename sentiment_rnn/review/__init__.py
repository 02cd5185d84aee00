"""The review model: one composition for a sentence and a whole review, the sentence network's own verdicts
and negation-marked n-grams summed over sentences with non-negative weights.

    model.py           the composition (the evidence head over the sentences' states, log-odds and n-grams)
    ngrams.py          the linear part: NB-weighted n-gram indicators (NBSVM), negation marked, per sentence
    classifier.py      ``ReviewClassifier``: every text split into sentences and composed the same way
    counterfactual.py  the edited sentences of counterfactual review pairs, and the sentence network tuned on them
    training.py        the n-gram stage and the head stage (`sentiment-rnn train-review`)
"""
