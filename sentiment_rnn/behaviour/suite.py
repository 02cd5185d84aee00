"""The behavioural suite: seeded cases drawn from the template families, and the protocol that
decides whether a model passes each case.

The protocol, for a model that gives P(positive) (``p``) for a text:

* **verdict**: negative when p < 1/3, neutral when 1/3 <= p <= 2/3, positive when p > 2/3;
* **minimum functionality** (``mft``): a case passes when its text gets the expected verdict; "not
  negative" passes with p >= 1/3 and "not positive" with p <= 2/3;
* **invariance** (``inv``): a case fails when a variant's verdict differs from the first text's
  *and* its p differs from the first text's by more than 0.1;
* **direction** (``dir``): a case fails when a variant moves p from the base text's the wrong way by
  more than 0.05 ("up" cases fail on a drop, "down" cases on a rise).

Every test (a family and a part) draws its cases with its own generator seeded by (seed, the
family's name, the part), so a test's cases are the same whichever other tests run.

>>> tests = build_suite(parts=("heldout",), capabilities=["negated_negative"], seed=0)
>>> [(test.name, test.part, len(test.cases)) for test in tests]
[('negated_negative', 'heldout', 100)]
>>> build_suite(parts=("heldout",), capabilities=["negated_negative"])[0].cases == tests[0].cases
True
>>> verdicts(np.array([0.2, 1 / 3, 0.5, 2 / 3, 0.9])).tolist()
['negative', 'neutral', 'neutral', 'neutral', 'positive']
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sentiment_rnn.behaviour.lexicon import words
from sentiment_rnn.behaviour.perturbations import PERTURBATIONS
from sentiment_rnn.behaviour.templates import FAMILIES, SLOT_LISTS, Family, draw_values, render

__all__ = ["NEUTRAL_LOW", "NEUTRAL_HIGH", "INVARIANCE_TOLERANCE", "DIRECTION_TOLERANCE", "DEFAULT_SEED",
           "CASES_PER_TEST", "VARIANTS", "PROTOCOL", "Case", "BehaviourTest", "capabilities", "build_suite",
           "verdicts", "case_failures"]

NEUTRAL_LOW, NEUTRAL_HIGH = 1 / 3, 2 / 3
INVARIANCE_TOLERANCE = 0.1
DIRECTION_TOLERANCE = 0.05
DEFAULT_SEED = 0
CASES_PER_TEST = {"mft": 100, "inv": 50, "dir": 50}
VARIANTS = 3  # variants per inv/dir case (identity swaps: up to 5)
IDENTITY_VARIANTS = 5
_EMPTY_FIRST = ("url", "handle")  # inv slots whose first text has none
PROTOCOL = {
    "neutral_band": [NEUTRAL_LOW, NEUTRAL_HIGH],
    "mft": "the text gets the expected verdict: negative p < 1/3, neutral 1/3 <= p <= 2/3, positive p > 2/3; "
           "'not negative' p >= 1/3, 'not positive' p <= 2/3",
    "inv": f"fails if a variant changes the 3-way verdict of the first text and moves p by more than "
           f"{INVARIANCE_TOLERANCE}",
    "dir": f"fails if a variant moves p from the base text the wrong way by more than {DIRECTION_TOLERANCE}",
    "p": "P(positive); a model with a neutral class counts half of P(neutral) as positive",
}


@dataclass(frozen=True)
class Case:
    """One case: ``texts[0]`` is the text (mft), the base text (dir) or the first text (inv); the rest
    are its variants."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class BehaviourTest:
    """A family's cases drawn from one part."""

    family: Family
    part: str
    cases: tuple[Case, ...]

    @property
    def name(self) -> str:
        return self.family.name

    def __getattr__(self, name):  # capability, kind, expect, description, group
        if name.startswith("__"):  # copy and pickle look for these before the fields exist
            raise AttributeError(name)
        return getattr(self.family, name)


def capabilities() -> dict[str, list[str]]:
    """``{capability: [test names]}``, in the suite's order."""
    found: dict[str, list[str]] = {}
    for family in FAMILIES:
        found.setdefault(family.capability, []).append(family.name)
    return found


def _selected(names: Sequence[str] | None) -> list[Family]:
    if not names:
        return list(FAMILIES)
    known = set(capabilities()) | {family.name for family in FAMILIES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"no capability or test {unknown[0]!r}; capabilities: {', '.join(capabilities())}")
    return [family for family in FAMILIES if family.capability in names or family.name in names]


def build_suite(parts: Sequence[str] = ("heldout", "train"), capabilities: Sequence[str] | None = None,
                seed: int = DEFAULT_SEED, cases: dict[str, int] | None = None) -> list[BehaviourTest]:
    """The tests of ``capabilities`` (capability or test names; all when empty), one per family and
    part, each with ``cases[kind]`` cases (``CASES_PER_TEST`` by default) drawn with ``seed``."""
    counts = {**CASES_PER_TEST, **(cases or {})}
    return [BehaviourTest(family, part, tuple(_draw_cases(family, part, counts[family.kind], seed)))
            for family in _selected(capabilities) for part in parts]


def _draw_cases(family: Family, part: str, n: int, seed: int) -> list[Case]:
    rng = np.random.default_rng([seed, zlib.crc32(family.name.encode()), ("train", "heldout", "all").index(part)])
    templates = family.part(part).templates
    found: dict[tuple[str, ...], None] = {}
    for _ in range(n * 10):
        if len(found) == n:
            break
        template = templates[int(rng.integers(len(templates)))]
        values = draw_values(template, part, rng, group=family.group)
        texts = _case_texts(family, part, template, values, rng)
        if len(texts) > (family.kind != "mft"):
            found.setdefault(texts)
    return [Case(texts) for texts in found]


def _case_texts(family: Family, part: str, template: str, values: dict[str, str],
                rng: np.random.Generator) -> tuple[str, ...]:
    if family.kind == "mft":
        return (render(template, values),)
    if family.perturbation is not None:
        text = render(template, values)
        return (text, *PERTURBATIONS[family.perturbation](text, rng))
    pool = words(f"identity_{family.group}" if family.vary == "identity" else SLOT_LISTS[family.vary], part)
    wanted = IDENTITY_VARIANTS if family.vary == "identity" else VARIANTS
    if family.kind == "inv" and family.vary not in _EMPTY_FIRST:
        wanted += 1  # the first text is one of the values too
    chosen = [pool[i] for i in rng.choice(len(pool), size=min(wanted, len(pool)), replace=False)]
    if family.kind == "dir" or family.vary in _EMPTY_FIRST:
        chosen = [""] + chosen
    return tuple(dict.fromkeys(render(template, {**values, family.vary: value}) for value in chosen))


def verdicts(p: np.ndarray) -> np.ndarray:
    """The 3-way verdict of each P(positive): (N,) -> (N,) str."""
    p = np.asarray(p, dtype=np.float64)
    return np.where(p < NEUTRAL_LOW, "negative", np.where(p > NEUTRAL_HIGH, "positive", "neutral"))


_MFT_PASSES = {
    "positive": lambda p: p > NEUTRAL_HIGH,
    "negative": lambda p: p < NEUTRAL_LOW,
    "neutral": lambda p: (p >= NEUTRAL_LOW) & (p <= NEUTRAL_HIGH),
    "not_negative": lambda p: p >= NEUTRAL_LOW,
    "not_positive": lambda p: p <= NEUTRAL_HIGH,
}


def case_failures(kind: str, expect: str, p: Sequence[float]) -> tuple[bool, float]:
    """(fails, how far off) for one case whose texts got P(positive) ``p`` (``texts[0]`` first).

    How far off: for mft the distance of p from the passing region, for inv the largest move of p
    of a variant that changed the verdict, for dir the largest move the wrong way.

    >>> case_failures("mft", "not_negative", [0.2])
    (True, 0.133)
    >>> case_failures("inv", "same", [0.6, 0.75, 0.62])
    (True, 0.15)
    >>> case_failures("dir", "up", [0.6, 0.58, 0.9])
    (False, 0.02)
    """
    p = np.asarray(p, dtype=np.float64)  # (texts,)
    if kind == "mft":
        fails = not bool(_MFT_PASSES[expect](p[0]))
        low = {"positive": NEUTRAL_HIGH, "neutral": NEUTRAL_LOW, "not_negative": NEUTRAL_LOW}.get(expect, 0.0)
        high = {"negative": NEUTRAL_LOW, "neutral": NEUTRAL_HIGH, "not_positive": NEUTRAL_HIGH}.get(expect, 1.0)
        return fails, round(float(max(low - p[0], p[0] - high, 0.0)), 3)
    moves = p[1:] - p[0]  # (variants,)
    if kind == "inv":
        changed = verdicts(p[1:]) != verdicts(p[:1])
        off = float(np.max(np.abs(moves) * changed, initial=0.0))
        return bool(np.any(changed & (np.abs(moves) > INVARIANCE_TOLERANCE))), round(off, 3)
    wrong = -moves if expect == "up" else moves  # (variants,) > 0: the wrong way
    return bool(np.any(wrong > DIRECTION_TOLERANCE)), round(float(max(np.max(wrong), 0.0)), 3)
