"""Behavioural tests of a sentiment model in the project's own words (``sentiment-rnn check``).

``lexicon`` holds the word lists and ``templates`` the template families, each split into a part
training may use and a held-out part that only ``check`` reports on.

    lexicon.py        the word lists, each split into a training part and a held-out part
    templates.py      the template families (sentence shapes), split the same way
    perturbations.py  changes of a whole text that must not change its sentiment
    suite.py          seeded cases drawn from the families, and the pass/fail protocol
    scorers.py        what is checked: a model file, the bag-of-words baselines, VADER
    report.py         running the suite on scorers: failure rates, worst cases, table/Markdown/JSON
    augment.py        training sentences from the training part only (for `tune-sentence`)
"""
