"""The predict path loads only what it uses: NLTK's two tokenizer modules without NLTK's package
``__init__`` (which pulls in SciPy and scikit-learn), and never scikit-learn. Tokens must be exactly
those of the regular ``import nltk``.

Each check runs in a fresh interpreter, since the test process may already hold NLTK.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

VARIED_TEXTS = [
    "This movie isn't good.",
    "Not bad at all... Actually, quite fun!",
    "Mr. Smith and Dr. Jones aren't great. The plot? It's weak; the cast, though, is \"superb\".",
    "I couldn't've said it better -- really!! (Well, almost.)",
    "Wasn't it (really) GOOD? Yes. No! Maybe...",
    "It cost $12.50 (U.S.) on 3/4/2021, i.e. 20% off, e.g. a bargain.",
    "She said 'I won't go' and he said ``fine''.",
    "Great<br /><br />film\x97 really\u00a0good \x93quoted\x94 and \x85 trailing",
    "Visit http://example.com/a-b?c=d or mail me@example.org :-) <3",
    "Naïve café crème brûlée — déjà vu… “smart quotes” and ‘single’ ones.",
    "8\u00a01/2 stars. 10/10 would watch again!!!",
    "gonna wanna gotta lemme gimme 'tis 'twas y'all cannot",
    "   ",
    "",
    "ALL CAPS REVIEW!!! TERRIBLE. WORST. MOVIE. EVER.",
    "Line one.\nLine two!\n\n\tTabbed line three?",
    "St. Louis vs. Boston, Inc. etc. The end.",
    "The film (1999) [director's cut] {extended} ran 2h30m; worth it?",
]


def _run(code: str, env_extra: dict | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _texts() -> list[str]:
    texts = list(VARIED_TEXTS)
    data = os.environ.get("SENTIMENT_RNN_DATA")
    if data and Path(data, "imdb").is_dir():  # real reviews too, when the corpora are at hand
        from sentiment_rnn.corpora import load_corpus

        texts += load_corpus("imdb", "test", data, download=False).texts[:150]
    return texts


COMPARE = """
import json, sys
import sentiment_rnn.text.tokenizer as text
texts = json.loads(sys.stdin.read())
light = [text.tokenize(t) for t in texts]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("nltk", "sklearn", "scipy"))
import nltk  # the regular, full import: NLTK initialises as usual after the light one
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktSentenceTokenizer
for cached in (text._nltk_tokenizers, text._sentence_splitter, text._word_tokenizer):
    cached.cache_clear()
regular = [text.tokenize(t) for t in texts]
splitter, words = text._sentence_splitter(), text._word_tokenizer()
print(json.dumps({
    "loaded": loaded, "light": light, "regular": regular,
    "regular_classes": type(splitter) is PunktSentenceTokenizer and type(words) is NLTKWordTokenizer,
    "nltk_complete": hasattr(nltk, "word_tokenize") and hasattr(nltk.tokenize, "punkt"),
}))
"""


def test_light_nltk_import_gives_the_tokens_of_the_regular_import():
    texts = _texts()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", COMPARE], input=json.dumps(texts), capture_output=True,
                            text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["loaded"] == [], f"the light path left these in sys.modules: {out['loaded']}"
    assert out["regular_classes"] and out["nltk_complete"]
    for text, light, regular in zip(texts, out["light"], out["regular"], strict=True):
        assert light == regular, text
    assert sum(map(len, out["light"])) > 200


def test_predict_command_imports_neither_nltk_package_nor_scikit_learn(tmp_path):
    model = tmp_path / "tiny.npz"
    code = f"""
import sys
from click.testing import CliRunner
from sentiment_rnn import RNNClassifier, save_model
from sentiment_rnn.cli import main
texts = ["a good film .", "a bad film .", "not good", "really fun", "dull and bad", "great !"]
clf = RNNClassifier(cell="gru", embedding_dim=4, hidden_size=4, epochs=1, patience=None).fit(texts, [1, 0, 0, 1, 0, 1])
save_model(clf, {str(model)!r})
result = CliRunner().invoke(main, ["predict", "--model", {str(model)!r}, "Not bad at all. Really fun!"])
assert result.exit_code == 0, result.output
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"nltk", "sklearn", "scipy", "torch", "matplotlib"}})
print(heavy)
"""
    assert _run(code).strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("module", ["sentiment_rnn.cli", "sentiment_rnn"])
def test_importing_the_package_or_the_cli_stays_light(module):
    code = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'nltk', 'sklearn', 'scipy'}}))"
    assert _run(code).strip() == "[]"
