"""Hidden tests for exercises/day38/reward_model.py (a bonus: every test has bonus=True)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    attempt_module,
    expect_error,
    finite_difference_gradient,
    name_the_mistake,
    no_warnings,
    reference_module,
)

rm = attempt_module("reward_model")
ref = reference_module("reward_model")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


# ---------------------------------------------------------------- preference_prob


@pytest.mark.grade(
    points=1,
    hint="Which difference goes into the sigmoid: chosen minus rejected, or the reverse?",
    task="preference_prob",
    bonus=True,
)
def test_preference_prob_matches_hand_worked_values(rm):
    """sigmoid(1 - 0) = 0.731059, sigmoid(3 - 3) = 1/2, sigmoid(0 - 2) = 0.119203."""
    name_the_mistake(
        rm.preference_prob(1.0, 0.0),
        {
            "gave sigmoid(0 - 1) = 0.268941: the difference is rejected minus chosen": (
                0.2689414213699951,
                "Which reward comes first in the difference: the chosen one or the rejected one?",
            )
        },
        what="preference_prob(1, 0)",
    )
    assert_close(rm.preference_prob(1.0, 0.0), 0.7310585786300049, what="preference_prob(1, 0)")
    assert_close(rm.preference_prob(3.0, 3.0), 0.5, what="preference_prob(3, 3)")
    assert_close(rm.preference_prob(0.0, 2.0), 0.11920292202211755, what="preference_prob(0, 2)")


@pytest.mark.grade(
    points=1,
    hint="Does it work element-wise on arrays, and do the shapes broadcast?",
    task="preference_prob",
    bonus=True,
)
def test_preference_prob_is_vectorised_and_swapping_the_pair_gives_the_complement(rm, rng):
    r_c, r_r = rng.normal(scale=3, size=(4, 5)), rng.normal(scale=3, size=(4, 5))
    got = rm.preference_prob(r_c, r_r)
    assert_close(got, sigmoid(r_c - r_r), what="preference_prob on (4, 5) arrays")
    assert_close(
        rm.preference_prob(r_r, r_c), 1.0 - sigmoid(r_c - r_r), what="preference_prob swapped"
    )
    # broadcasting: one chosen reward against a row of rejected ones
    assert_close(rm.preference_prob(0.5, r_r[0]), sigmoid(0.5 - r_r[0]), what="scalar vs array")


@pytest.mark.grade(
    points=1,
    hint="Do two scalars give a plain float (not a 0-d array), and arrays give an ndarray?",
    task="preference_prob",
    bonus=True,
)
def test_preference_prob_returns_a_float_for_scalars_and_an_array_for_arrays(rm):
    got = rm.preference_prob(2.0, 1.0)
    assert isinstance(got, float), (
        f"preference_prob(2.0, 1.0) should return a float, got {type(got).__name__} {got!r} "
        "(a 0-d numpy array is not a float: convert it with float(...))"
    )
    got = rm.preference_prob(np.array([2.0, 0.0]), np.array([1.0, 0.0]))
    assert isinstance(got, np.ndarray) and got.shape == (2,), (
        f"preference_prob on two arrays of shape (2,) should return an array of shape (2,), "
        f"got {type(got).__name__} {got!r}"
    )


@pytest.mark.grade(
    points=1,
    hint="What is exp(1000) in float64, and could day 31's stable sigmoid avoid it?",
    task="preference_prob",
    bonus=True,
)
@pytest.mark.parametrize(
    "r_chosen, expected, as_array",
    [
        (-1000.0, 0.0, True),  # chosen far below rejected: exp(+1000) overflows in the naive form
        (1000.0, 1.0, True),  # chosen far above rejected: exp(z) / (1 + exp(z)) is inf / inf
        (-1000.0, 0.0, False),  # the same with plain floats (math.exp raises OverflowError)
        (1000.0, 1.0, False),  # the same with plain floats
    ],
    ids=["margin=-1000", "margin=+1000", "scalar-margin=-1000", "scalar-margin=+1000"],
)
def test_preference_prob_does_not_overflow_for_huge_margins(rm, r_chosen, expected, as_array):
    r_c, r_r = (np.array([r_chosen]), np.array([0.0])) if as_array else (r_chosen, 0.0)
    with no_warnings(f"preference_prob({r_chosen:g}, 0)"):
        got = rm.preference_prob(r_c, r_r)
    expect = [expected] if as_array else expected
    assert_close(got, expect, what=f"preference_prob({r_chosen:g}, 0)")


# ---------------------------------------------------------------- preference_loss


@pytest.mark.grade(
    points=1,
    hint="Is it the MEAN over pairs of -log sigmoid(r_chosen - r_rejected)?",
    task="preference_loss",
    bonus=True,
)
def test_preference_loss_matches_a_hand_worked_value(rm):
    """margins [0, 2]: (log 2 + log(1 + e^-2)) / 2 = (0.693147 + 0.126928) / 2 = 0.410038."""
    got = rm.preference_loss(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    assert isinstance(got, float), f"preference_loss should return a float, got {type(got)}"
    name_the_mistake(
        got,
        {
            "gave 0.820075, the SUM of the per-pair losses, not their mean": (
                0.8200751916029178,
                "Did you sum the per-pair losses instead of averaging them?",
            ),
            "gave 1.410038: the margins were taken as rejected minus chosen": (
                1.4100375958014589,
                "Which reward comes first in the margin: the chosen one or the rejected one?",
            ),
        },
        what="preference_loss for margins [0, 2]",
    )
    assert_close(got, 0.4100375958014589, what="preference_loss for margins [0, 2]")


@pytest.mark.grade(
    points=2,
    hint="-log sigmoid(d) = log(e^0 + e^-d): which numpy function computes log(e^a + e^b)?",
    task="preference_loss",
    bonus=True,
)
@pytest.mark.parametrize(
    "margin, expected",
    [
        (-1000.0, 1000.0),  # a confident mistake costs its margin: log(1 + e^1000) = 1000
        (-1e5, 1e5),  # far beyond where sigmoid underflows to 0
        (1000.0, 0.0),  # a confident right answer costs (almost) nothing
    ],
    ids=["margin=-1000", "margin=-1e5", "margin=+1000"],
)
def test_preference_loss_is_finite_and_silent_for_huge_margins(rm, margin, expected):
    with no_warnings(f"preference_loss with margin {margin:g}"):
        got = rm.preference_loss(np.array([margin]), np.array([0.0]))
    assert_close(got, expected, rtol=1e-9, atol=1e-12, what=f"preference_loss(margin={margin:g})")


@pytest.mark.grade(
    points=1,
    hint="On moderate margins, does it equal the mean of log(1 + exp(-margin))?",
    task="preference_loss",
    bonus=True,
)
def test_preference_loss_agrees_with_a_closed_form_on_random_rewards(rm, ref, rng):
    r_c, r_r = rng.normal(scale=2, size=50), rng.normal(scale=2, size=50)
    expected = float(np.mean(np.log1p(np.exp(-(r_c - r_r)))))
    assert_close(rm.preference_loss(r_c, r_r), expected, what="preference_loss")
    assert_close(rm.preference_loss(r_c, r_r), ref.preference_loss(r_c, r_r), what="vs reference")


# ---------------------------------------------------------------- train_linear_reward


def bt_loss(w, Xc, Xr):
    """The Bradley-Terry loss of a linear reward, written independently of the attempt."""
    return float(np.mean(np.logaddexp(0.0, -(Xc @ w - Xr @ w))))


@pytest.mark.grade(
    points=1,
    hint="Do you start from w = 0, and what is sigmoid(0) there?",
    task="train_linear_reward",
    bonus=True,
)
def test_one_training_step_matches_a_hand_worked_value(rm):
    """One pair, D = x_c - x_r = [1, -1]; at w = 0 the gradient is -D · sigmoid(0)
    = [-0.5, 0.5], so one step of lr = 0.1 gives w = [0.05, -0.05]."""
    w = rm.train_linear_reward(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), lr=0.1, n_iters=1)
    name_the_mistake(
        w,
        {
            "w = [-0.05, 0.05] moved the wrong way: gradient ascent, or D = x_r - x_c": (
                [-0.05, 0.05],
                "Does the step go AGAINST the gradient, with each margin chosen minus rejected?",
            ),
            "w = [0, 0] after one step: no step was taken (off by one in the loop?)": (
                [0.0, 0.0],
                "Does n_iters = 1 take exactly one step?",
            ),
            "w = [0.1, -0.1]: the gradient is missing the factor sigmoid(-margin) = 1/2": (
                [0.1, -0.1],
                "What is sigmoid(-margin) at w = 0, and is it in your gradient?",
            ),
        },
        what="w after one step",
    )
    assert_close(w, [0.05, -0.05], what="w after one step")
    w0 = rm.train_linear_reward(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), n_iters=0)
    assert_close(w0, [0.0, 0.0], what="w after zero steps (the starting point)")


@pytest.mark.grade(
    points=2,
    hint="Differentiate the MEAN loss: did you divide by the number of pairs?",
    task="train_linear_reward",
    bonus=True,
)
def test_training_steps_follow_the_finite_difference_gradient(rm, rng):
    Xc, Xr = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    lr = 0.3
    w1 = rm.train_linear_reward(Xc, Xr, lr=lr, n_iters=1)
    w2 = rm.train_linear_reward(Xc, Xr, lr=lr, n_iters=2)
    zero = np.zeros(4)
    expected_w1 = zero - lr * finite_difference_gradient(lambda w: bt_loss(w, Xc, Xr), zero)
    assert_close(w1, expected_w1, rtol=1e-5, atol=1e-8, what="w after one step (w=0 - lr·grad)")
    expected_w2 = expected_w1 - lr * finite_difference_gradient(
        lambda w: bt_loss(w, Xc, Xr), expected_w1
    )
    assert_close(w2, expected_w2, rtol=1e-5, atol=1e-8, what="w after two steps")


def preference_pairs(rng, w_true, n, noisy):
    """Pairs of random answers; the chosen one is drawn from Bradley-Terry (noisy) or is
    simply the one with the higher true reward (clean labels for held-out checks)."""
    A, B = rng.normal(size=(n, len(w_true))), rng.normal(size=(n, len(w_true)))
    margin = A @ w_true - B @ w_true
    a_wins = rng.random(n) < sigmoid(margin) if noisy else margin > 0
    chosen = np.where(a_wins[:, None], A, B)
    rejected = np.where(a_wins[:, None], B, A)
    return chosen, rejected


@pytest.mark.grade(
    points=2,
    hint="Does each step go against the gradient, so that the loss goes down?",
    task="train_linear_reward",
    bonus=True,
)
def test_trained_reward_ranks_held_out_chosen_answers_above_rejected(rm, rng):
    w_true = rng.normal(size=5) * 2
    Xc, Xr = preference_pairs(rng, w_true, 400, noisy=True)
    w = np.asarray(rm.train_linear_reward(Xc, Xr, lr=0.5, n_iters=500))
    assert w.shape == (5,), f"train_linear_reward should return w of shape (5,), got {w.shape}"
    Tc, Tr = preference_pairs(rng, w_true, 300, noisy=False)
    accuracy = float(np.mean(Tc @ w > Tr @ w))
    # The reference reaches 92-100 % here (300 seeds tried); guessing gives 50 %.
    assert accuracy >= 0.85, (
        f"the trained reward ranks only {accuracy:.0%} of held-out chosen answers above the "
        "rejected ones (expected at least 85 %)"
    )
    cosine = float(w @ w_true / (np.linalg.norm(w) * np.linalg.norm(w_true)))
    assert cosine > 0.9, f"w should point along the true reward direction; cosine = {cosine:.2f}"


@pytest.mark.grade(
    points=1,
    hint="Is w returned as a 1-D array of shape (d,), not (d, 1) or (1, d)?",
    task="train_linear_reward",
    bonus=True,
)
def test_trained_w_has_shape_d(rm, rng):
    Xc, Xr = rng.normal(size=(7, 3)), rng.normal(size=(7, 3))
    w = rm.train_linear_reward(Xc, Xr, n_iters=3)
    shape = getattr(w, "shape", None)
    assert shape == (3,), (
        f"train_linear_reward on 7 pairs of 3 features should return w of shape (3,), "
        f"got {type(w).__name__} of shape {shape}"
    )


@pytest.mark.grade(
    points=1,
    hint="Without lr and n_iters, are the defaults lr = 0.1 and n_iters = 500 used?",
    task="train_linear_reward",
    bonus=True,
)
def test_training_defaults_are_500_steps_of_0_1(rm, rng):
    Xc, Xr = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    D = Xc - Xr
    w = np.zeros(3)
    for _ in range(500):  # the gradient of mean(log(1 + exp(-D w))), written by hand
        w = w + 0.1 * D.T @ sigmoid(-(D @ w)) / len(D)
    assert_close(
        rm.train_linear_reward(Xc, Xr), w, rtol=1e-6, what="w with the default lr and n_iters"
    )


@pytest.mark.grade(
    points=1,
    hint="Same data, same steps: is each iteration one full-batch step from w = 0?",
    task="train_linear_reward",
    bonus=True,
)
def test_training_follows_the_reference_path(rm, ref, rng):
    Xc, Xr = rng.normal(size=(60, 3)), rng.normal(size=(60, 3))
    assert_close(
        rm.train_linear_reward(Xc, Xr, lr=0.7, n_iters=40),
        ref.train_linear_reward(Xc, Xr, lr=0.7, n_iters=40),
        rtol=1e-6,
        what="w after 40 steps",
    )


@pytest.mark.grade(
    points=1,
    hint="Do you check that both arrays are 2-D AND of one shape before training?",
    task="train_linear_reward",
    bonus=True,
)
@pytest.mark.parametrize(
    "Xc, Xr, why",
    [
        (np.ones((5, 2)), np.ones((4, 2)), "when the number of pairs differs"),
        (np.ones((5, 2)), np.ones((5, 3)), "when the number of features differs"),
        (np.ones(5), np.ones(5), "for 1-D features"),
        # one shape, but 3-D: comparing the shapes alone is not enough
        (np.ones((2, 3, 3)), np.ones((2, 3, 3)), "for 3-D features of one shape"),
        # numpy would broadcast one rejected row against every chosen row, silently
        (np.ones((5, 2)), np.ones((1, 2)), "when X_rejected has one row for 5 chosen rows"),
    ],
    ids=["pairs", "features", "1-D", "3-D", "one-rejected-row"],
)
def test_train_rejects_mismatched_pairs(rm, Xc, Xr, why):
    with expect_error(ValueError, why):
        rm.train_linear_reward(Xc, Xr, n_iters=1)


# ---------------------------------------------------------------- HITLRouter


@pytest.mark.grade(
    points=1,
    hint="'auto' when confidence >= threshold. Is a confidence equal to it auto or human?",
    task="HITLRouter",
    bonus=True,
)
def test_router_sends_low_confidence_outputs_to_a_human(rm):
    router = rm.HITLRouter(threshold=0.8)
    got = [
        router.route("a", 0.95),  # above: auto
        router.route("b", 0.5),  # below: human
        router.route("c", 0.8),  # exactly the threshold: auto (>=)
        router.route("d", 0.79),  # just below: human
    ]
    assert got == ["auto", "human", "auto", "human"], f"routes were {got}"
    assert router.review_queue == ["b", "d"], f"review_queue is {router.review_queue!r}"


@pytest.mark.grade(
    points=1,
    hint="Does route compare with this router's own self.threshold, not a fixed number?",
    task="HITLRouter",
    bonus=True,
)
@pytest.mark.parametrize(
    "threshold, confidence, expected",
    [
        (0.3, 0.5, "auto"),  # a lenient router lets 0.5 through
        (0.99, 0.95, "human"),  # a strict router sends 0.95 to a person
    ],
    ids=["lenient", "strict"],
)
def test_router_uses_its_own_threshold(rm, threshold, confidence, expected):
    router = rm.HITLRouter(threshold=threshold)
    got = router.route("x", confidence)
    assert got == expected, (
        f"HITLRouter(threshold={threshold}).route(..., {confidence}) gave {got!r}, "
        f"expected {expected!r}"
    )


@pytest.mark.grade(
    points=1,
    hint="What is float('nan') >= 0.8? And float('nan') < 0.8? Which test fails safe?",
    task="HITLRouter",
    bonus=True,
)
def test_router_sends_a_nan_confidence_to_a_human(rm):
    router = rm.HITLRouter(threshold=0.5)
    assert router.route("unscored", math.nan) == "human", (
        "a NaN confidence must go to a human (fail closed), not straight to the user"
    )
    assert router.review_queue == ["unscored"], f"review_queue is {router.review_queue!r}"


class Ticket:
    """A model output that is not plain data: it stays the test's own object."""

    def __init__(self, answer, user):
        self.answer, self.user = answer, user

    def __repr__(self):
        return f"Ticket({self.answer!r}, user={self.user})"


@pytest.mark.grade(
    points=1,
    hint="Where is review_queue created: once per router, or once for the whole class?",
    task="HITLRouter",
    bonus=True,
)
def test_each_router_has_its_own_queue_of_the_original_outputs(rm):
    first, second = rm.HITLRouter(0.9), rm.HITLRouter(0.9)
    # An object of the test's own (not plain data), so it reaches the attempt as itself
    # (a reference) and `is` below tells the original from a copy or a str().
    ticket = Ticket("delete the account", user=42)
    assert first.route(ticket, 0.1) == "human", "confidence 0.1 < 0.9 should go to a human"
    assert second.route("other", 0.2) == "human", "confidence 0.2 < 0.9 should go to a human"
    assert len(first.review_queue) == 1 and first.review_queue[0] is ticket, (
        f"the first router's queue should hold exactly the ticket, got {first.review_queue!r}"
    )
    assert second.review_queue == ["other"], (
        f"the second router's queue should hold only its own output, got {second.review_queue!r}"
    )
