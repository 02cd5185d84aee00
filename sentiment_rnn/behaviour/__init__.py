"""Behavioural tests of a sentiment model in the project's own words (``sentiment-rnn check``).

``lexicon`` holds the word lists and ``templates`` the template families, each split into a part
training may use and a held-out part that only ``check`` reports on.
"""
