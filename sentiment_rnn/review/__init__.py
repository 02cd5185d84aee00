"""The review model: a sentence network read over a whole review, with an attention head and n-grams.

    model.py           the attention head over sentence states, and the network that trains end to end
    ngrams.py          the linear part: NB-weighted n-gram indicators (NBSVM)
    classifier.py      ``ReviewClassifier``: a sentence answered by the sentence network, a review by the mix
    counterfactual.py  the edited sentences of counterfactual review pairs, and the sentence network tuned on them
    training.py        training the head, the network end to end and the mix (`sentiment-rnn train-review`)
"""
