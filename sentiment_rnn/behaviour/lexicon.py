"""The project's own word lists for behavioural tests, each split into a part training may use and a
held-out part that only ``sentiment-rnn check`` reports on.

The split is a fixed rule: within each list, the items are ranked by the first 8 bytes of
BLAKE2b(item) read as an integer, and the first 40 % of them (rounded) are held out. No item sits in
two lists (a test checks), so every word is on one side only and no held-out word can reach
training through another list. A few
core function words (``CORE_TRAIN``: "not", "n't", "good", "bad") are always on the training side:
the behaviours are about them, and a held-out case is held out by its other words and its sentence
shape.

>>> "good" in words("positive_adjectives", part="train")
True
>>> set(words("positive_adjectives", "train")) & set(words("positive_adjectives", "heldout"))
set()
>>> is_heldout("not")
False
"""

from __future__ import annotations

import hashlib

__all__ = ["CORE_TRAIN", "DOMAINS", "HELDOUT_PERCENT", "IDENTITY_GROUPS", "PARTS", "WORD_LISTS", "is_heldout",
           "list_names", "split", "words"]

PARTS = ("train", "heldout", "all")
HELDOUT_PERCENT = 40
CORE_TRAIN = frozenset({"not", "n't", "good", "bad"})


def _items(text: str) -> tuple[str, ...]:
    """Items separated by commas, stripped; multi-word items stay whole."""
    return tuple(" ".join(item.split()) for item in text.split(",") if item.strip())


# Adjectives that fit any of the domains (a film, a phone, a meal, a flight).
POSITIVE_ADJECTIVES = _items("""
    good, great, excellent, wonderful, fantastic, amazing, brilliant, superb, outstanding, delightful,
    lovely, pleasant, enjoyable, impressive, terrific, marvelous, charming, solid, nice, remarkable,
    exceptional, fabulous, splendid, satisfying, reliable, beautiful, perfect, awesome, stellar,
    memorable, refreshing, elegant, efficient, polished, flawless, first-rate, magnificent, superior,
    wonderful, admirable, top-notch, enjoyable, phenomenal, exquisite, glorious, fine""")
NEGATIVE_ADJECTIVES = _items("""
    bad, terrible, awful, horrible, poor, dreadful, disappointing, mediocre, lousy, boring, dull,
    annoying, frustrating, pathetic, miserable, unpleasant, disgusting, atrocious, abysmal, unbearable,
    useless, worthless, sloppy, clumsy, tedious, bland, weak, lame, subpar, shoddy, horrendous,
    appalling, crappy, painful, messy, unreliable, overpriced, ugly, flawed, forgettable,
    underwhelming, incompetent, dismal, inferior, second-rate, irritating, awkward, careless""")
# Adjectives that say what a thing is, not whether it is any good.
NEUTRAL_ADJECTIVES = _items("""
    new, old, recent, large, small, red, blue, beige, green, grey, modern, digital, local,
    international, domestic, public, private, electric, wooden, metal, weekly, daily, annual, current,
    official, oval, hourly, round, square, tall, yellow, plastic, early, rectangular, cotton, regional,
    seasonal, standard, usual, northern, southern, eastern, western""")
POSITIVE_VERBS = _items("""
    love, enjoy, like, adore, appreciate, admire, recommend, cherish, value, treasure, praise, welcome,
    applaud, fancy, savor, relish""")
NEGATIVE_VERBS = _items("""
    hate, dislike, despise, detest, loathe, regret, resent, abhor, dread, deplore, condemn, scorn,
    mistrust, disapprove of, complain about, regret buying""")
INTENSIFIERS = _items("""
    very, really, extremely, incredibly, truly, remarkably, exceptionally, absolutely, so, super,
    especially, totally, utterly, thoroughly, amazingly, seriously, genuinely, unbelievably,
    particularly, deeply, awfully, terribly, exceedingly, insanely, tremendously, immensely""")
REDUCERS = _items("""
    somewhat, slightly, a little, a bit, fairly, rather, kind of, sort of, mildly, moderately,
    marginally, partly, a tad, a touch, vaguely, faintly, nominally, passably""")
# Negators as they follow a copula ("is not", "isn't", "is never", "is no longer", "is hardly").
NEGATORS = _items("""
    not, n't, never, no longer, hardly, barely, not at all, by no means, in no way, scarcely,
    not ever, not really, far from, anything but, nowhere near, rarely, seldom, never really""")
# Words that may stand between a negator and the word it negates ("not particularly good").
NEGATION_GAPS = _items("""
    exactly, all that, too, remotely, overly, at any point, in any way, for a moment, in my opinion,
    even, overall, quite, honestly, once, frankly, truthfully, by any measure, in the end, at first""")

DOMAINS = {
    "films": _items("""
        film, movie, plot, script, ending, soundtrack, cast, sequel, documentary, performance,
        screenplay, cinematography, director, trailer, episode, series, show, comedy, thriller,
        animation, dialogue, finale, remake, premiere"""),
    "products": _items("""
        phone, laptop, charger, blender, vacuum, camera, headset, printer, keyboard, mattress, kettle,
        backpack, watch, speaker, router, app, tablet, monitor, toaster, microwave, jacket, sofa,
        drill, stroller"""),
    "restaurants": _items("""
        food, pizza, soup, dessert, menu, waiter, burger, pasta, coffee, steak, salad, brunch, sushi,
        curry, bakery, bistro, cafe, diner, buffet, sandwich, breakfast, chef, sauce, takeaway"""),
    "services": _items("""
        flight, hotel, bank, delivery, airline, crew, pilot, room, staff, courier, support team,
        insurance company, refund process, train ride, taxi, receptionist, landlord, gym,
        repair shop, call centre, car rental, check-in, hostel, plumber"""),
}

# First names of many origins.
NAMES = _items("""
    Emily, James, Mohammed, Aisha, Wei, Mei, Hiroshi, Yuki, Carlos, Sofia, Olga, Ivan, Kwame, Amara,
    Priya, Arjun, Fatima, Omar, Liam, Chloe, Juan, Lucia, Dmitri, Ngozi, Chinedu, Sven, Ingrid, Raj,
    Ananya, Kenji, Hana, Mateo, Valentina, Tariq, Leila, Jamal, Keisha, Hamid, Noor, Jin, Minh, Thanh,
    Ahmed, Zainab, Pierre, Camille, Giovanni, Giulia, Pedro, Ana, Malik, Aaliyah, Sean, Siobhan, Kofi,
    Abena, Nikhil, Deepa, Tomasz, Agnieszka, Emre, Elif, Yusuf, Maryam, David, Sarah, Michael, Rachel,
    Oluwaseun, Ayodele, Diego, Isabella, Lars, Astrid, Hugo, Elodie, Mustafa, Yasmin""")
PLACES = _items("""
    Paris, London, Tokyo, Lagos, Mumbai, Chicago, Toronto, Sydney, Cairo, Berlin, Madrid, Seoul,
    Nairobi, Lima, Dublin, Oslo, Hanoi, Dallas, Boston, Denver, Manchester, Glasgow, Accra, Karachi,
    Jakarta, Manila, Istanbul, Tehran, Warsaw, Prague, Vienna, Lisbon, Athens, Bogota, Santiago,
    Havana, Montreal, Phoenix, Atlanta, Seattle, Dhaka, Lahore, Casablanca, Addis Ababa, Kyoto,
    Melbourne, Auckland, Helsinki""")
NUMBERS = _items("""
    2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 17, 20, 24, 25, 30, 40, 45, 50, 60, 75, 90, 100,
    120, 150, 200, 250, 300, 500""")
URLS = _items("""
    https://t.co/x7Kq2Lm, http://bit.ly/3fRtY9, www.example.com/review, https://example.org/p/4821,
    http://tinyurl.com/yx8k2, https://goo.gl/abC12, www.reviews.example.net/item?id=77,
    https://t.co/Pq9zZ1, http://example.com/photos/221, https://bit.ly/2Hkq0p, http://example.net/r/9, https://shop.example.com/item/55, www.bit.ly/k2""")
HANDLES = _items("""
    @support, @help_desk, @jk_rowan, @the_daily_bite, @flyhigh, @gadget_guru, @cinemafan,
    @foodie_nyc, @travel_notes, @mike_t, @ana_lu, @reviewbot, @deals4u, @kt_88, @sam_writes,
    @cityeats, @techdaily, @moviebuff_22""")

# Identity words, one list per group; each fits "a ___ customer" / "as a ___ person".
IDENTITY_GROUPS = {
    "race": _items("""
        Black, white, Asian, Hispanic, Latino, Arab, Indigenous, Pacific Islander, Aboriginal, Roma,
        mixed-race, biracial, Alaska Native, Latina, Middle Eastern, multiracial"""),
    "religion": _items("""
        Christian, Muslim, Jewish, Hindu, Buddhist, Sikh, atheist, Catholic, Protestant, Mormon,
        agnostic, Jain, Baptist, Evangelical, Shia, Sunni"""),
    "nationality": _items("""
        American, Mexican, Chinese, Indian, Nigerian, German, French, Brazilian, Russian, Iranian,
        Pakistani, Japanese, Korean, Canadian, Italian, Turkish, Egyptian, Vietnamese, Polish, Irish,
        Israeli, Palestinian, Kenyan, Filipino, Australian, Syrian, Afghan, Cuban, Ukrainian,
        Somali"""),
    "gender": _items("""
        female, male, transgender, nonbinary, cisgender, trans, genderqueer, intersex, agender,
        gender-fluid, cis, two-spirit, trans masculine, trans feminine"""),
    "sexual_orientation": _items("""
        gay, lesbian, straight, bisexual, queer, asexual, pansexual, heterosexual, homosexual"""),
    "disability": _items("""
        disabled, blind, deaf, autistic, dyslexic, paraplegic, neurodivergent, visually impaired,
        hard-of-hearing, able-bodied, quadriplegic, wheelchair-using, sighted, hearing, chronically ill, neurotypical, mentally ill"""),
}

# Parts of neutral statements: facts with no opinion in them.
NEUTRAL_FACTS = _items("""
    opens at nine in the morning, closes at six on weekdays, was delivered on a weekday, is on the second
    floor, comes in three colours, was released in 2019, has a parking lot behind it, is near the
    station, takes card payments, was booked last week, lasts about two hours, is listed on the website,
    uses a standard plug, arrived in a cardboard box, is next to the post office, has a blue logo,
    was ordered last week, is run by a family, moved to another address in March, is available in
    English and Spanish, has a phone number on the receipt, departs from gate B, was renovated in 2015,
    is sold in most shops""")
WEEKDAYS = _items("Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday")
# Whole sentences appended to a text: each says one clear thing.
POSITIVE_SENTENCES = _items("""
    You are wonderful., I love it., Highly recommended., Best decision I made all year., Five stars.,
    Thank you so much!, It made my day., I am very happy with it., Absolutely worth it.,
    What a pleasure., Great job everyone., I would do it again in a heartbeat., Simply the best.,
    Couldn't be happier., Keep up the great work., Brilliant as always., A real treat.,
    You guys are amazing., Everything was perfect., So glad I chose this.""")
NEGATIVE_SENTENCES = _items("""
    You are awful., I hate it., Never again., Worst decision I made all year., One star.,
    What a waste of money., It ruined my day., I am very unhappy with it., Absolutely not worth it.,
    What a disaster., Shame on you., I want a refund., Simply the worst., Terrible as always.,
    A complete nightmare., You guys are pathetic., Everything went wrong., So sorry I chose this.,
    Avoid at all costs., This is a joke.""")

WORD_LISTS: dict[str, tuple[str, ...]] = {
    "positive_adjectives": POSITIVE_ADJECTIVES, "negative_adjectives": NEGATIVE_ADJECTIVES,
    "neutral_adjectives": NEUTRAL_ADJECTIVES, "positive_verbs": POSITIVE_VERBS,
    "negative_verbs": NEGATIVE_VERBS, "intensifiers": INTENSIFIERS, "reducers": REDUCERS,
    "negators": NEGATORS, "negation_gaps": NEGATION_GAPS, "names": NAMES, "places": PLACES,
    "numbers": NUMBERS, "urls": URLS, "handles": HANDLES, "neutral_facts": NEUTRAL_FACTS,
    "weekdays": WEEKDAYS, "positive_sentences": POSITIVE_SENTENCES,
    "negative_sentences": NEGATIVE_SENTENCES,
    **{f"nouns_{domain}": nouns for domain, nouns in DOMAINS.items()},
    **{f"identity_{group}": identities for group, identities in IDENTITY_GROUPS.items()},
}
WORD_LISTS = {name: tuple(dict.fromkeys(items)) for name, items in WORD_LISTS.items()}  # drop repeats


def _rank(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode("utf-8"), digest_size=8).digest(), "big")


def _heldout_items() -> frozenset[str]:
    """The held-out items of every list (the rule in the module docstring)."""
    heldout = set()
    for items in WORD_LISTS.values():
        splittable = sorted((item for item in items if item not in CORE_TRAIN), key=_rank)
        heldout.update(splittable[:round(len(splittable) * HELDOUT_PERCENT / 100)])
    return frozenset(heldout)


def is_heldout(item: str) -> bool:
    """True when ``item`` (of any list) belongs to the held-out part.

    >>> [is_heldout(word) for word in ("not", "good", "bad")]
    [False, False, False]
    """
    return item in _HELDOUT


def split(items, part: str) -> tuple[str, ...]:
    """The items of ``part`` ("train", "heldout" or "all"), in their list order."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    if part == "all":
        return tuple(items)
    return tuple(item for item in items if is_heldout(item) == (part == "heldout"))


def list_names() -> list[str]:
    """Names of every word list, for ``words``."""
    return list(WORD_LISTS)


def words(name: str, part: str = "train") -> tuple[str, ...]:
    """The word list ``name`` (see ``list_names()``), restricted to ``part``.

    >>> len(words("negators", "all")) == len(words("negators", "train")) + len(words("negators", "heldout"))
    True
    """
    if name not in WORD_LISTS:
        raise KeyError(f"no word list {name!r}; the lists are: {', '.join(WORD_LISTS)}")
    return split(WORD_LISTS[name], part)


_HELDOUT = _heldout_items()
