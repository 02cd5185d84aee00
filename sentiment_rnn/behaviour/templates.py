"""Template families for behavioural tests, each split into training shapes and held-out shapes.

A template is a sentence with slots in braces. A slot names a word list of
:mod:`sentiment_rnn.behaviour.lexicon` and is filled from the same part (train or held out) as the
template: ``{pos_adj}`` positive adjectives, ``{neg_adj}``, ``{neu_adj}``, ``{pos_verb}``,
``{neg_verb}``, ``{intensifier}``, ``{reducer}``, ``{gap}`` (words between a negator and its word),
``{is_neg}`` / ``{was_neg}`` (a copula and a negator: "is not", "wasn't", "is no longer"), ``{noun}`` and
``{noun2}`` (two different nouns of one domain), ``{name}``, ``{place}``, ``{number}``, ``{url}``,
``{handle}``, ``{fact}``, ``{weekday}``, ``{pos_sentence}``, ``{neg_sentence}``, ``{identity}`` (the
family's identity group). A slot written ``{a_<slot>}`` gets its article ("a bad", "an awful").

Each family lists its training templates and its held-out templates by hand: the held-out ones are
other sentence shapes ("This is not a bad flight." against "The flight is not bad."), not the training
shapes with other words. A family has a kind (``mft`` an expected verdict, ``inv`` a perturbation that
must not change the verdict, ``dir`` a perturbation that must move P(pos) one way) and, for ``inv`` and
``dir``, either ``vary`` (the slot whose values make the variants; a ``dir`` family's base text, and
an ``inv`` family's first text when the slot is ``url`` or ``handle``, has the slot empty) or ``perturbation`` (a named change of the whole text, made by the suite).

>>> import numpy as np
>>> fill("The {noun} {is_neg} {a_pos_adj} one.", "train", np.random.default_rng(0)).count("{")
0
>>> sorted({family.capability for family in template_families("heldout")})
['composition', 'fairness', 'intensifiers', 'invariance', 'negation', 'neutral']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sentiment_rnn.behaviour.lexicon import DOMAINS, IDENTITY_GROUPS, PARTS, words

__all__ = ["KINDS", "EXPECTATIONS", "SLOT_LISTS", "Family", "TemplateFamily", "FAMILIES",
           "template_families", "slots_of", "fill", "render"]

KINDS = ("mft", "inv", "dir")
EXPECTATIONS = {"mft": ("positive", "negative", "neutral", "not_negative", "not_positive"),
                "inv": ("same",), "dir": ("up", "down")}
SLOT_LISTS = {
    "pos_adj": "positive_adjectives", "neg_adj": "negative_adjectives", "neu_adj": "neutral_adjectives",
    "pos_verb": "positive_verbs", "neg_verb": "negative_verbs", "intensifier": "intensifiers",
    "reducer": "reducers", "gap": "negation_gaps", "is_neg": "negators", "was_neg": "negators",
    "name": "names", "place": "places", "number": "numbers", "url": "urls", "handle": "handles",
    "fact": "neutral_facts", "weekday": "weekdays", "pos_sentence": "positive_sentences",
    "neg_sentence": "negative_sentences",
}
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Family:
    """One template family with both of its parts."""

    name: str
    capability: str
    kind: str
    expect: str
    train: tuple[str, ...]
    heldout: tuple[str, ...]
    vary: str | None = None
    perturbation: str | None = None
    group: str | None = None  # the identity group of a fairness family
    description: str = ""

    def __post_init__(self):
        assert self.kind in KINDS and self.expect in EXPECTATIONS[self.kind], self.name
        assert (self.kind == "mft") == (self.vary is None and self.perturbation is None), self.name

    def part(self, part: str) -> "TemplateFamily":
        if part not in PARTS:
            raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
        templates = {"train": self.train, "heldout": self.heldout, "all": self.train + self.heldout}[part]
        return TemplateFamily(self, part, templates)


@dataclass(frozen=True)
class TemplateFamily:
    """A family restricted to one part: its templates, and the word lists of the same part."""

    family: Family
    part: str
    templates: tuple[str, ...]

    def __getattr__(self, name):  # name, capability, kind, expect, vary, perturbation, group, description
        if name.startswith("__"):  # copy and pickle look for these before the fields exist
            raise AttributeError(name)
        return getattr(self.family, name)


def _family(name, capability, kind, expect, train, heldout, description="", **options) -> Family:
    return Family(name, capability, kind, expect, tuple(train), tuple(heldout), description=description,
                  **options)


_NEGATION = [
    _family("negated_positive", "negation", "mft", "negative",
            ["The {noun} {is_neg} {pos_adj}.", "The {noun} {was_neg} {pos_adj}, to be honest.",
             "I do not {pos_verb} the {noun}."],
            ["That was not {a_pos_adj} {noun}.", "Honestly, I would not call the {noun} {pos_adj}.",
             "Nothing about the {noun} was {pos_adj}."],
            "a negated positive word is negative"),
    _family("negated_negative", "negation", "mft", "not_negative",
            ["The {noun} {is_neg} {neg_adj}.", "The {noun} {was_neg} {neg_adj}, to be honest.",
             "I do not {neg_verb} the {noun}."],
            ["This is not {a_neg_adj} {noun}.", "It wasn't {a_neg_adj} {noun} at all.",
             "I would never call the {noun} {neg_adj}."],
            "a negated negative word is positive or neutral"),
    _family("negation_at_end_of_negative", "negation", "mft", "not_negative",
            ["I thought the {noun} would be {neg_adj}, but it was not.",
             "I expected the {noun} to be {neg_adj}, but it was not."],
            ["Everyone warned me the {noun} would be {neg_adj}. It wasn't.",
             "{Neg_adj}, they said. The {noun} was not."],
            "\"I thought it would be bad, but it was not\": not negative"),
    _family("negation_at_end_of_positive", "negation", "mft", "not_positive",
            ["I thought the {noun} would be {pos_adj}, but it was not.",
             "I expected the {noun} to be {pos_adj}, but it was not."],
            ["Everyone told me the {noun} would be {pos_adj}. It wasn't.",
             "{Pos_adj}, they said. The {noun} was not."],
            "\"I thought it would be good, but it was not\": not positive"),
    _family("negation_gap_positive", "negation", "mft", "not_positive",
            ["The {noun} {was_neg} {gap} {pos_adj}.", "I did not find the {noun} {gap} {pos_adj}."],
            ["Was the {noun} {gap} {pos_adj}? No, it was not.",
             "My {noun2} was fine, but the {noun} was not {gap} {pos_adj}."],
            "words between the negator and a positive word: not positive"),
    _family("negation_gap_negative", "negation", "mft", "not_negative",
            ["The {noun} {was_neg} {gap} {neg_adj}.", "I did not find the {noun} {gap} {neg_adj}."],
            ["Was the {noun} {gap} {neg_adj}? No, it was not.",
             "My {noun2} was fine, and the {noun} was not {gap} {neg_adj} either."],
            "words between the negator and a negative word: not negative"),
    _family("negated_neutral", "negation", "mft", "neutral",
            ["The {noun} {is_neg} {neu_adj}.", "The {noun} {was_neg} {neu_adj} this time."],
            ["This is not {a_neu_adj} {noun}.", "It was not the {neu_adj} {noun} I had last {weekday}."],
            "a negated neutral word stays neutral"),
]

def _appended(name: str, slot: str, expect: str, opposite: str, description: str) -> Family:
    """A whole sentence (``slot``) appended to a text of the other polarity, of the same one or of none;
    ``opposite`` is a held-out clause of the other polarity."""
    tail = "{" + slot + "}"
    other, same = ("neg_adj", "pos_adj") if expect == "up" else ("pos_adj", "neg_adj")
    return _family(name, "composition", "dir", expect,
                   [f"The {{noun}} was {{{other}}}. {tail}", f"The {{noun}} was {{{same}}}. {tail}",
                    f"I tried the {{noun}} on {{weekday}}. {tail}"],
                   [f"{{Name}} picked the {{noun}}, which {{fact}}. {tail}",
                    f"Not sure what to say about the {{noun}}, to be honest. {tail}",
                    f"The {{noun}}? {opposite}. {tail}"],
                   description, vary=slot)


_COMPOSITION = [
    _appended("appended_positive_sentence", "pos_sentence", "up", "{Neg_adj}, and the {noun2} was no better",
              "appending a positive sentence does not lower P(pos)"),
    _appended("appended_negative_sentence", "neg_sentence", "down", "{Pos_adj}, and the {noun2} even better",
              "appending a negative sentence does not raise P(pos)"),
    _family("but_clause_positive", "composition", "mft", "positive",
            ["The {noun} was {neg_adj} at first, but in the end it was {pos_adj}.",
             "The {noun2} was {neg_adj}, but the {noun} itself was {pos_adj}."],
            ["Some parts felt {neg_adj}; still, I {pos_verb} the {noun} and it was {pos_adj}.",
             "Despite {a_neg_adj} start, the {noun} turned out {pos_adj}."],
            "a deciding positive clause after \"but\" makes the text positive"),
    _family("but_clause_negative", "composition", "mft", "negative",
            ["The {noun} was {pos_adj} at first, but in the end it was {neg_adj}.",
             "The {noun2} was {pos_adj}, but the {noun} itself was {neg_adj}."],
            ["Some parts felt {pos_adj}; still, I {neg_verb} the {noun} and it was {neg_adj}.",
             "Despite {a_pos_adj} start, the {noun} turned out {neg_adj}."],
            "a deciding negative clause after \"but\" makes the text negative"),
]


def _intensity(name: str, slot: str, adjective: str, expect: str, description: str) -> Family:
    """An intensifier or a reducer (``slot``) before a positive or negative adjective (``adjective``)."""
    word, adj = "{" + slot + "}", "{" + adjective + "}"
    return _family(name, "intensifiers", "dir", expect,
                   [f"The {{noun}} is {word} {adj}.", f"The {{noun}} was {word} {adj}."],
                   [f"I found the {{noun}} {word} {adj}, to be fair.", f"{{Name}} says the {{noun}} is {word} {adj}."],
                   description, vary=slot)


_INTENSITY = [
    _intensity("intensified_positive", "intensifier", "pos_adj", "up",
               "an intensifier does not make a positive text less positive"),
    _intensity("intensified_negative", "intensifier", "neg_adj", "down",
               "an intensifier does not make a negative text less negative"),
    _intensity("reduced_positive", "reducer", "pos_adj", "down", "a reducer does not make a positive text more positive"),
    _intensity("reduced_negative", "reducer", "neg_adj", "up", "a reducer does not make a negative text more negative"),
]

_NEUTRAL = [
    _family("neutral_statement", "neutral", "mft", "neutral",
            ["The {noun} {fact}.", "I went to {place} on {weekday}.", "The {noun} is {neu_adj}."],
            ["According to {name}, the {noun} {fact}.", "On {weekday} we took {a_neu_adj} {noun} to {place}.",
             "There were {number} people at the {noun} today."],
            "statements of fact land in the neutral band"),
]

_FAIRNESS_TRAIN = ["As {a_identity} customer, I found the {noun} {pos_adj}.",
                   "I am {a_identity} person and the {noun} was {neg_adj}.",
                   "My friend is {identity} and tried the {noun} with me."]
_FAIRNESS_HELDOUT = ["I am {a_identity} person.", "Being {identity}, I thought the {noun} was {pos_adj}.",
                     "The {noun} was {neg_adj}, said the {identity} traveller next to me."]
_FAIRNESS = [
    _family(f"identity_{group}", "fairness", "inv", "same", _FAIRNESS_TRAIN, _FAIRNESS_HELDOUT,
            f"swapping {group.replace('_', ' ')} words keeps the verdict", vary="identity", group=group)
    for group in IDENTITY_GROUPS
]

_PLAIN_TRAIN = ["The {noun} was {pos_adj}.", "The {noun} was {neg_adj}.", "I do not {neg_verb} the {noun}.",
                "It is {a_pos_adj} {noun}, and I {pos_verb} it."]
_PLAIN_HELDOUT = ["What {a_neg_adj} {noun} that was.", "We {pos_verb} the {noun}; it is not {neg_adj} at all.",
                  "It is not {pos_adj}, the {noun}."]
def _swap(slot: str, train: list[str], heldout: list[str], description: str) -> Family:
    """An invariance family whose variants put other words in ``slot`` (its name is the slot's list)."""
    return _family(SLOT_LISTS[slot], "invariance", "inv", "same", train, heldout, description, vary=slot)


_INVARIANCE = [
    _swap("name", ["{Name} thought the {noun} was {pos_adj}.", "I went with {name} and the {noun} was {neg_adj}."],
          ["According to {name}, the {noun} {fact}.", "The {noun} {name} picked was {pos_adj}."],
          "swapping a person's name keeps the verdict"),
    _swap("place", ["The {noun} in {place} was {pos_adj}.", "The {noun} in {place} was {neg_adj}."],
          ["We were in {place} and found the {noun} {neg_adj}.", "Back in {place}, the {noun} {fact}."],
          "swapping a place keeps the verdict"),
    _swap("number", ["I waited {number} minutes and the {noun} was {pos_adj}.",
                     "I waited {number} minutes and the {noun} was {neg_adj}."],
          ["The {noun} cost {number} dollars and it was {neg_adj}.", "After {number} days the {noun} is still {pos_adj}."],
          "changing a number keeps the verdict"),
    _swap("url", ["The {noun} was {pos_adj} {url}", "The {noun} was {neg_adj} {url}"],
          ["See {url} - {a_neg_adj} {noun}.", "{url} {Pos_adj} {noun}, honestly."],
          "adding a URL (or none) keeps the verdict"),
    _swap("handle", ["{handle} The {noun} was {pos_adj}.", "{handle} The {noun} was {neg_adj}."],
          ["Thanks {handle}, {a_pos_adj} {noun}.", "{Neg_adj} {noun} again {handle}"],
          "adding an @handle (or none) keeps the verdict"),
    *[_family(name, "invariance", "inv", "same", _PLAIN_TRAIN, _PLAIN_HELDOUT, description,
              perturbation=name)
      for name, description in [("punctuation", "adding or removing punctuation keeps the verdict"),
                                ("typos", "a typo keeps the verdict"),
                                ("casing", "lower, upper or title case keeps the verdict")]],
    _family("contractions", "invariance", "inv", "same",
            ["It is {a_pos_adj} {noun}, and I do not {neg_verb} it.", "I am sure the {noun} is not {pos_adj}.",
             "The {noun} was not {neg_adj}; it is {a_pos_adj} one."],
            ["I would say it is {a_neg_adj} {noun}.", "We did not {pos_verb} the {noun}; it is {neg_adj}.",
             "You are right: the {noun} is {neg_adj} and I cannot {pos_verb} it."],
            "contracting or expanding (\"is not\" / \"isn't\") keeps the verdict", perturbation="contractions"),
]

FAMILIES: tuple[Family, ...] = (*_NEGATION, *_COMPOSITION, *_INTENSITY, *_NEUTRAL, *_FAIRNESS, *_INVARIANCE)


def template_families(part: str = "train") -> list[TemplateFamily]:
    """Every family restricted to ``part`` ("train", "heldout" or "all")."""
    return [family.part(part) for family in FAMILIES]


def slots_of(template: str) -> list[str]:
    """The slots of ``template``, in order, as written.

    >>> slots_of("The {noun} {was_neg} {a_pos_adj}. {Name}")
    ['noun', 'was_neg', 'a_pos_adj', 'Name']
    """
    return _SLOT.findall(template)


def _article(word: str) -> str:
    lower = word.lower()
    return "an" if lower[:1] in "aeiou" and not lower.startswith(("uni", "uk", "usu", "ur", "eu", "one")) else "a"


def _negated_copula(copula: str, negator: str) -> str:
    return f"{copula}n't" if negator == "n't" else f"{copula} {negator}"


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with every slot replaced from ``values`` (keyed by the bare slot name); ``{a_x}``
    takes an article, ``{X}`` a capital (templates capitalize their first word themselves), an empty value leaves no double
    space.

    >>> render("{Name} says the {noun} is {a_pos_adj} one.", {"name": "ana", "noun": "film", "pos_adj": "awful"})
    'Ana says the film is an awful one.'
    >>> render("The {noun} is {intensifier} good.", {"noun": "film", "intensifier": ""})
    'The film is good.'
    """
    def replace(match: re.Match) -> str:
        slot = match.group(1)
        bare = slot.removeprefix("a_").lower()
        value = values[bare]
        if slot.startswith("a_") and value:
            value = f"{_article(value)} {value}"
        if slot[0].isupper():
            value = value[:1].upper() + value[1:]
        return value

    text = " ".join(_SLOT.sub(replace, template).split())
    return re.sub(r" ([.,;?!])", r"\1", text)


def _choose(rng: np.random.Generator, items) -> str:
    return items[int(rng.integers(len(items)))]


def fill(template: str, part: str, rng: np.random.Generator, domain: str | None = None,
         group: str | None = None, fixed: dict[str, str] | None = None) -> str:
    """``template`` filled with words of ``part`` drawn by ``rng`` (nouns from ``domain``, or a domain
    drawn by ``rng``; identity words from ``group``); ``fixed`` sets slots by hand."""
    return render(template, draw_values(template, part, rng, domain, group, fixed))


def draw_values(template: str, part: str, rng: np.random.Generator, domain: str | None = None,
                group: str | None = None, fixed: dict[str, str] | None = None) -> dict[str, str]:
    """One value for every slot of ``template``, from the word lists of ``part``."""
    domain = domain or _choose(rng, sorted(DOMAINS))
    values = dict(fixed or {})
    for slot in slots_of(template):
        bare = slot.removeprefix("a_").lower()
        if bare in values:
            continue
        if bare in ("noun", "noun2"):
            nouns = words(f"nouns_{domain}", part)
            first = int(rng.integers(len(nouns)))
            second = (first + 1 + int(rng.integers(len(nouns) - 1))) % len(nouns)
            values["noun"], values["noun2"] = values.get("noun", nouns[first]), nouns[second]
        elif bare == "identity":
            values[bare] = _choose(rng, words(f"identity_{group}", part))
        elif bare in ("is_neg", "was_neg"):
            values[bare] = _negated_copula(bare.removesuffix("_neg"), _choose(rng, words("negators", part)))
        else:
            values[bare] = _choose(rng, words(SLOT_LISTS[bare], part))
    return values
