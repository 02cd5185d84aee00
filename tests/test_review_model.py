"""The review model's composition: gradients proven by finite differences in float64, and the property
it exists for: a sentence moves the review's verdict in its own direction, and only by its own share."""

import numpy as np
import pytest

from sentiment_rnn.nn.gradcheck import check_gradients, numerical_gradient, relative_error
from sentiment_rnn.review.model import EvidenceHead, SentenceEvidence


def _head(seed=0, hidden=5):
    rng = np.random.default_rng(seed)
    head = EvidenceHead.initialize(hidden)
    for value in head.params.values():  # away from the initial values, so every path carries gradient
        value += 0.5 * rng.standard_normal(value.shape)
    head.params["scale"][:] = 0.5 + rng.random()  # positive, as training keeps it
    return head, rng


def _evidence(rng, counts, hidden=5, guard_share=0.5):
    n = int(np.sum(counts))
    return SentenceEvidence(states=rng.standard_normal((n, hidden)), log_odds=2.0 * rng.standard_normal(n),
                            ngram=2.0 * rng.standard_normal(n), guard=rng.random(n) < guard_share,
                            review=np.repeat(np.arange(len(counts)), counts), n_reviews=len(counts))


def test_gradients_of_every_parameter_and_of_the_sentence_inputs():
    head, rng = _head()
    evidence = _evidence(rng, [3, 1, 4, 2])
    _, before = head.forward(evidence)
    evidence.ngram[0] = -1.5 * before.weight[0] * evidence.log_odds[0] / before.ngram_weight[0]  # turned: the guard holds
    evidence.guard[0] = True
    dz = rng.standard_normal(4)  # a random weighted sum of the reviews' log-odds as the loss

    def loss():
        return float(head.forward(evidence)[0] @ dz)

    _, cache = head.forward(evidence)
    assert cache.open_[0] == 0 and cache.open_.sum() > 0  # both branches of the guard are exercised
    grads, dstates, dlog_odds = head.backward(dz, cache, inputs=True)
    errors = check_gradients(loss, head.params, grads)
    assert set(errors) == {"score.weight", "score.bias", "ngram_score.weight", "ngram_score.bias", "scale", "bias"}
    assert max(errors.values()) < 1e-7, errors
    assert relative_error(dstates, numerical_gradient(loss, evidence.states)) < 1e-7
    assert relative_error(dlog_odds, numerical_gradient(loss, evidence.log_odds)) < 1e-7


def test_gradients_of_the_training_loss_with_l2():
    from sentiment_rnn.review.training import head_loss

    head, rng = _head(1)
    evidence = _evidence(rng, [2, 5, 1, 3])
    targets, weights = np.array([0, 1, 1, 0]), np.array([1.0, 0.5, 2.0, 1.0])
    grads = head_loss(head, evidence, targets, weights, l2=0.3)[1]
    errors = check_gradients(lambda: head_loss(head, evidence, targets, weights, l2=0.3)[0], head.params, grads)
    assert max(errors.values()) < 1e-7, errors
    soft = np.array([0.25, 0.5, 1.0, 0.0])  # soft targets (the treebank's five labels) take the same path
    grads = head_loss(head, evidence, soft, weights, l2=0.3)[1]
    errors = check_gradients(lambda: head_loss(head, evidence, soft, weights, l2=0.3)[0], head.params, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("seed", range(20))
def test_an_appended_sentence_moves_the_verdict_by_its_own_share_in_its_own_direction(seed):
    head, rng = _head(seed)
    counts = [int(rng.integers(1, 6))]
    review = _evidence(rng, counts, guard_share=0.7)
    extra = _evidence(rng, [1], guard_share=0.7)
    longer = SentenceEvidence(*(np.concatenate([a, b]) for a, b in [
        (review.states, extra.states), (review.log_odds, extra.log_odds), (review.ngram, extra.ngram),
        (review.guard, extra.guard), (review.review, extra.review)]), n_reviews=1)
    before, after = head.forward(review)[0][0], head.forward(longer)[0][0]
    share = head.contributions(extra)["share"][0]  # the appended sentence alone, as a review
    np.testing.assert_allclose(after - before, share, rtol=1e-12, atol=1e-12)
    parts = head.contributions(extra)
    np.testing.assert_allclose(parts["network"] + parts["ngram"], parts["share"], rtol=1e-12, atol=1e-12)
    assert parts["weight"][0] >= 0 and parts["ngram_weight"][0] >= 0  # no weight can turn a part's sign
    if extra.guard[0]:  # where guarded, the n-grams never turn the network's verdict on the sentence
        assert share * extra.log_odds[0] >= 0


def test_a_negative_sentence_can_only_lower_the_verdict_whatever_the_head():
    rng = np.random.default_rng(5)
    for trial in range(200):
        head, _ = _head(100 + trial)
        review = _evidence(rng, [int(rng.integers(1, 8))])
        negative = _evidence(rng, [1], guard_share=1.0)  # a guarded sentence the network reads as negative
        negative.log_odds[0] = -abs(negative.log_odds[0])
        longer = SentenceEvidence(np.vstack([review.states, negative.states]),
                                  np.concatenate([review.log_odds, negative.log_odds]),
                                  np.concatenate([review.ngram, negative.ngram]),
                                  np.concatenate([review.guard, negative.guard]), np.zeros(len(review.review) + 1, int), 1)
        assert head.forward(longer)[0][0] <= head.forward(review)[0][0]


def test_batch_equals_each_review_alone_and_shares_sum_to_the_log_odds():
    head, rng = _head(2)
    counts = [3, 1, 6]
    evidence = _evidence(rng, counts)
    z, _ = head.forward(evidence)
    shares = head.contributions(evidence)["share"]
    np.testing.assert_allclose(np.bincount(evidence.review, shares) + head.params["bias"][0], z, rtol=1e-12)
    for b in range(len(counts)):
        alone = evidence.take(np.array([b]))
        np.testing.assert_allclose(head.forward(alone)[0][0], z[b], rtol=1e-12, atol=1e-12)
    reordered = evidence.take(np.array([2, 0]))
    np.testing.assert_allclose(head.forward(reordered)[0], z[[2, 0]], rtol=1e-12)
    assert np.all(head.contributions(evidence)["weight"] >= 0) and np.all(head.contributions(evidence)["ngram_weight"] >= 0)


def test_sentence_states_are_what_the_output_layer_reads():
    from sentiment_rnn.nn.batching import pad_batch
    from sentiment_rnn.nn.model import ModelConfig, RNNModel
    from sentiment_rnn.review.model import sentence_states

    rng = np.random.default_rng(0)
    encoder = RNNModel.initialize(ModelConfig(12, 3, 4, cell="lstm"), rng, dtype=np.float64)
    sentences = [rng.integers(2, 12, size=n) for n in (3, 1, 5, 2, 4, 2, 6)]
    states = sentence_states(encoder, sentences, batch_size=3, max_tokens=8)
    logits, _ = encoder.forward(*pad_batch(sentences))
    np.testing.assert_allclose(states @ encoder.params["fc.weight"].T + encoder.params["fc.bias"], logits,
                               rtol=1e-10, atol=1e-12)


def test_one_sentence_texts_join_the_training_set_with_their_share_of_the_weight():
    from sentiment_rnn.review.training import head_inputs

    rng = np.random.default_rng(3)
    reviews, short = _evidence(rng, [3, 2, 4]), _evidence(rng, [1] * 5)
    evidence, targets, weights = head_inputs(reviews, [0, 1, 1], [1.0, 2.0, 1.0], short, [1, 0, 0, 1, 1], 0.25)
    assert evidence.n_reviews == 8 and targets.tolist() == [0, 1, 1, 1, 0, 0, 1, 1]
    assert weights[3:].sum() / weights.sum() == pytest.approx(0.25) and np.ptp(weights[3:]) == 0
    np.testing.assert_array_equal(evidence.review, np.repeat(np.arange(8), [3, 2, 4, 1, 1, 1, 1, 1]))
    head, _ = _head(4)
    z = head.forward(evidence)[0]  # each text scored as it is alone
    np.testing.assert_allclose(z[:3], head.forward(reviews)[0], rtol=1e-12)
    np.testing.assert_allclose(z[3:], head.forward(short)[0], rtol=1e-12)
    assert head_inputs(reviews, [0, 1, 1], [1.0, 2.0, 1.0], short, [1, 0, 0, 1, 1], 0.0)[0] is reviews


def test_the_scale_fit_moves_only_the_scale_and_bias_and_keeps_the_scale_positive():
    from sentiment_rnn.review.training import SCALE_FIT, fit_head

    head, rng = _head(6)
    evidence = _evidence(rng, [1] * 40)  # one-sentence texts
    agrees = (head.contributions(evidence)["share"] > 0).astype(int)  # labels the shares get right
    for targets, grows in ((agrees, True), (1 - agrees, False)):
        fitted = EvidenceHead({name: value.copy() for name, value in head.params.items()})
        fit_head(fitted, evidence, targets, names=SCALE_FIT, iterations=50)
        for name in set(head.params) - set(SCALE_FIT):
            np.testing.assert_array_equal(fitted.params[name], head.params[name])
        scale = fitted.params["scale"][0]
        assert scale > head.params["scale"][0] if grows else 1e-3 <= scale < head.params["scale"][0]
