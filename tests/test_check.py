"""`sentiment-rnn check`: the suite is deterministic, its held-out part never leaks into the training
part, each kind of test fails when it should (tiny fake scorers), the command's outputs, and VADER."""

import functools
import json
import re
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from sentiment_rnn.behaviour.lexicon import CORE_TRAIN, list_names, words
from sentiment_rnn.behaviour.report import run_check
from sentiment_rnn.behaviour.scorers import Scorer, vader_scorer
from sentiment_rnn.behaviour.suite import build_suite, capabilities, case_failures
from sentiment_rnn.behaviour.templates import FAMILIES, slots_of
from sentiment_rnn.cli import main
from sentiment_rnn.errors import DataError

HELDOUT = {item for name in list_names() for item in words(name, "heldout")}


@functools.lru_cache(maxsize=None)
def _pattern(items: frozenset) -> re.Pattern:
    return re.compile(r"(?<![\w@/.-])(" + "|".join(sorted(map(re.escape, items), key=len, reverse=True))
                      + r")(?![\w-])", re.IGNORECASE)


def _mentions(text: str, items) -> list[str]:
    """The items that ``text`` (or a template's literal words) spells as whole words."""
    return _pattern(frozenset(items)).findall(text)


# ---------------------------------------------------------------------------------------------------
# The split


def test_every_list_is_split_disjointly_with_a_third_to_a_half_held_out():
    for name in list_names():
        train, heldout = set(words(name, "train")), set(words(name, "heldout"))
        assert train and heldout and not train & heldout, name
        assert train | heldout == set(words(name, "all")), name
        assert 1 / 3 <= len(heldout) / len(words(name, "all")) <= 1 / 2, name
    assert not CORE_TRAIN & HELDOUT


def test_no_item_sits_in_two_lists():
    seen = {}
    for name in list_names():
        for item in words(name, "all"):
            assert item.lower() not in seen, f"{item!r} is in {seen.get(item.lower())} and {name}"
            seen[item.lower()] = name


def test_template_families_have_both_parts_and_share_no_template():
    train = {template for family in FAMILIES for template in family.train}
    heldout = {template for family in FAMILIES for template in family.heldout}
    assert not train & heldout
    for family in FAMILIES:
        assert len(family.train) >= 2 and len(family.heldout) >= 2, family.name
        if family.vary:  # the varied slot is in every template
            assert all(family.vary in [s.removeprefix("a_").lower() for s in slots_of(t)]
                       for t in family.train + family.heldout), family.name


def test_training_templates_spell_no_held_out_word():
    for family in FAMILIES:
        for template in family.train:
            assert not _mentions(re.sub(r"\{\w+\}", " | ", template), HELDOUT), (family.name, template)


def test_no_held_out_word_appears_in_a_training_case():
    leaks = [(test.name, text, _mentions(text, HELDOUT))
             for test in build_suite(parts=("train",)) for case in test.cases for text in case.texts
             if _mentions(text, HELDOUT)]
    assert not leaks, leaks[:5]


def test_held_out_cases_use_held_out_words():
    tests = build_suite(parts=("heldout",), capabilities=["negated_negative", "names"])
    for test in tests:
        assert all(_mentions(text, HELDOUT) for case in test.cases for text in case.texts), test.name


# ---------------------------------------------------------------------------------------------------
# Determinism


def test_the_suite_is_the_same_every_time_and_per_test():
    first, second = build_suite(seed=3), build_suite(seed=3)
    assert [t.cases for t in first] == [t.cases for t in second]
    alone = build_suite(seed=3, capabilities=["typos"])
    assert [t.cases for t in alone] == [t.cases for t in first if t.name == "typos"]
    other = build_suite(seed=4, capabilities=["typos"])
    assert [t.cases for t in other] != [t.cases for t in alone]


def test_every_test_gets_its_cases_and_variants():
    for test in build_suite():
        assert len(test.cases) == {"mft": 100, "inv": 50, "dir": 50}[test.kind], (test.name, test.part)
        sizes = {len(case.texts) for case in test.cases}
        assert sizes == {1} if test.kind == "mft" else min(sizes) >= 2, (test.name, test.part, sizes)


def test_capability_filter_and_unknown_names():
    assert {t.capability for t in build_suite(capabilities=["fairness"])} == {"fairness"}
    assert len(build_suite(parts=("heldout",), capabilities=["fairness"])) == 6
    assert sorted(capabilities()) == ["composition", "fairness", "intensifiers", "invariance", "negation", "neutral"]
    with pytest.raises(ValueError, match="no capability or test 'sarcasm'"):
        build_suite(capabilities=["sarcasm"])


# ---------------------------------------------------------------------------------------------------
# Each kind of test fails when it should


POSITIVE_WORDS = set(words("positive_adjectives", "all")) | set(words("positive_verbs", "all"))
NEGATIVE_WORDS = set(words("negative_adjectives", "all")) | set(words("negative_verbs", "all"))


def _order_blind(texts):
    """A bag of words: positive minus negative words, whatever their order or negators."""
    scores = []
    for text in texts:
        tokens = re.findall(r"[\w-]+", text.lower())
        scores.append(3.0 * (sum(t in POSITIVE_WORDS for t in tokens) - sum(t in NEGATIVE_WORDS for t in tokens)))
    return 1 / (1 + np.exp(-np.array(scores)))


def _rates(scorer, names, part="heldout"):
    result = run_check(build_suite(parts=(part,), capabilities=names), Scorer("fake", scorer))
    return {test["name"]: test["parts"][part]["fail_rate"] for test in result["tests"]}


def test_an_order_blind_scorer_fails_negated_negatives_and_passes_plain_words():
    rates = _rates(_order_blind, ["negated_negative", "negation_at_end_of_negative", "intensified_positive"])
    assert rates["negated_negative"] >= 90 and rates["negation_at_end_of_negative"] >= 90
    assert rates["intensified_positive"] == 0  # an intensifier is no word of either list: p does not move


def test_a_scorer_of_one_half_passes_neutral_and_fails_verdicts():
    rates = _rates(lambda texts: np.full(len(texts), 0.5),
                   ["neutral_statement", "negated_neutral", "but_clause_positive", "negated_positive", "names"])
    assert rates == {"neutral_statement": 0.0, "negated_neutral": 0.0, "but_clause_positive": 100.0,
                     "negated_positive": 100.0, "names": 0.0}


def test_direction_fails_the_wrong_way_only():
    by_length = lambda texts: np.array([1 / (1 + np.exp(len(t) / 40 - 1.5)) for t in texts])  # longer: lower
    rates = _rates(by_length, ["appended_positive_sentence", "appended_negative_sentence"])
    assert rates == {"appended_positive_sentence": 100.0, "appended_negative_sentence": 0.0}


def test_invariance_fails_a_scorer_that_reads_identity_words():
    def noisy(texts):  # a different P for every text: any swap may change the verdict
        return np.array([zlib.crc32(t.encode()) % 1000 / 1000 for t in texts])
    rates = _rates(noisy, ["fairness", "typos"])
    assert all(rate >= 50 for rate in rates.values()), rates
    assert all(rate == 0 for rate in _rates(_order_blind, ["fairness", "names", "places"]).values())


def test_the_protocol_at_its_edges():
    assert case_failures("mft", "not_negative", [1 / 3]) == (False, 0.0)
    assert case_failures("mft", "neutral", [0.7])[0]
    assert not case_failures("inv", "same", [0.6, 0.7])[0]  # verdict changed, but p moved 0.1 only
    assert not case_failures("inv", "same", [0.4, 0.62])[0]  # moved 0.22, verdict the same
    assert case_failures("inv", "same", [0.4, 0.5, 0.8])[0]
    assert case_failures("dir", "down", [0.5, 0.45, 0.56])[0] and not case_failures("dir", "down", [0.5, 0.54])[0]


def test_examples_are_the_worst_failing_cases():
    result = run_check(build_suite(parts=("train",), capabilities=["negated_negative"]), Scorer("fake", _order_blind),
                       examples=4)
    part = result["tests"][0]["parts"]["train"]
    assert len(part["examples"]) == 4
    offs = [example["off"] for example in part["examples"]]
    assert offs == sorted(offs, reverse=True) and all(p < 1 / 3 for e in part["examples"] for p in e["p"])


# ---------------------------------------------------------------------------------------------------
# The command on the shipped model


def test_check_json_on_the_shipped_model():
    result = CliRunner().invoke(main, ["check", "--capability", "negated_negative", "--capability", "names",
                                       "--examples", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["protocol"]["neutral_band"] == [1 / 3, 2 / 3] and report["parts"] == ["heldout", "train"]
    (model,) = report["models"]
    assert model["model"] == "sentiment-rnn" and [t["name"] for t in model["tests"]] == ["negated_negative", "names"]
    for test in model["tests"]:
        for part in ("heldout", "train"):
            cell = test["parts"][part]
            assert cell["fail_rate"] == round(100 * cell["failed"] / cell["n"], 1)
            assert len(cell["examples"]) == min(2, cell["failed"])


def test_check_markdown_table_shape_and_part():
    result = CliRunner().invoke(main, ["check", "--capability", "intensifiers", "--part", "heldout", "--markdown",
                                       "--examples", "0"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert rows[0] == "| capability | test | kind | expected | n held-out | sentiment-rnn held-out |"
    assert rows[1] == "| --- | --- | --- | --- | ---: | ---: |"
    assert [row.split(" | ")[1] for row in rows[2:]] == capabilities()["intensifiers"]
    assert all(row.count("|") == rows[0].count("|") for row in rows)
    assert "Protocol" in result.stdout and "Failing examples" not in result.stdout


@pytest.mark.parametrize("arguments, message", [
    (["--part", "sometimes"], "Invalid value for '--part'"),
    (["--capability", "sarcasm"], "no capability or test 'sarcasm'"),
    (["--examples", "-1"], "Invalid value for '--examples'"),
    (["--markdown", "--json"], "cannot be combined"),
])
def test_check_bad_options_are_one_line_usage_errors(arguments, message):
    result = CliRunner().invoke(main, ["check", *arguments])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_check_of_a_missing_model_file_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["check", "--model", str(tmp_path / "missing.npz"), "--capability", "names"])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_check_help_has_an_example():
    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0 and "sentiment-rnn check" in result.output


# ---------------------------------------------------------------------------------------------------
# VADER


def test_vader_runs_when_the_nltk_data_holds_its_lexicon(data_dir):
    if not (data_dir / "nltk_data" / "sentiment" / "vader_lexicon.zip").is_file():
        pytest.skip("no sentiment/vader_lexicon.zip in the data folder's nltk_data")
    vader = vader_scorer(data_dir)
    p = vader.p_positive(["The flight was wonderful.", "The flight was awful.", "The flight leaves at nine."])
    assert p[0] > 2 / 3 and p[1] < 1 / 3 and p[2] == 0.5
    rates = _rates(vader.p_positive, ["negated_negative"])
    assert 0 <= rates["negated_negative"] <= 100


def test_vader_without_its_lexicon_is_a_one_line_error(tmp_path, monkeypatch):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "empty")])
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "no-data").mkdir()
    with pytest.raises(DataError, match="VADER needs NLTK's vader_lexicon") as error:
        vader_scorer(tmp_path / "no-data")
    assert "\n" not in str(error.value)
    result = CliRunner().invoke(main, ["check", "--baseline", "vader", "--data-dir", str(tmp_path / "no-data"),
                                       "--capability", "names"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "vader_lexicon" in result.output


# ---------------------------------------------------------------------------------------------------
# compare --check


def test_compare_check_prints_the_behaviour_table_after_its_own(tmp_path, monkeypatch, toy):
    from fixtures_data import write_cad, write_imdb_csv
    from test_review_compare import _imdb_rows

    folder = tmp_path / "data"
    write_imdb_csv(folder, rows=_imdb_rows())
    write_cad(folder)
    monkeypatch.setenv("SENTIMENT_RNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SENTIMENT_RNN_DATA", raising=False)
    result = CliRunner().invoke(main, ["compare", "--corpus", "imdb", "--data-dir", str(folder), "--baseline", "nb",
                                       "--model", str(toy[1]), "--check", "--markdown"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| model | IMDB test | CAD dev |")  # compare's own table first, as before
    behaviour = lines.index(next(line for line in lines if line.startswith("Behaviour (sentiment-rnn check")))
    header = next(line for line in lines[behaviour:] if line.startswith("| capability"))
    assert "| sentiment-rnn toy held-out | bow-logreg held-out |" in header
    rows = [line for line in lines[behaviour:] if line.startswith("| ") and not line.startswith("| capability")]
    assert len(rows) == 1 + sum(len(names) for names in capabilities().values())  # the rule row and every test
