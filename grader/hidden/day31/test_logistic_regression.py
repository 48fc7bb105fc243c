"""Hidden tests for exercises/day31/logistic_regression.py."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    assert_close,
    attempt_module,
    expect_error,
    finite_difference_gradient,
    no_warnings,
    reference_module,
)

lr = attempt_module("logistic_regression")
ref = reference_module("logistic_regression")


def make_data(rng, n=120, d=3):
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d) * 2
    y = (X @ true_w + 0.3 + rng.normal(size=n) > 0).astype(int)
    return X, y


# ---------------------------------------------------------------- sigmoid


@pytest.mark.grade(points=1, hint="sigmoid(0) is 1/2; what is sigmoid(2) by hand?", task="sigmoid")
def test_sigmoid_matches_hand_worked_values(lr):
    """1/(1+e^-2) = 0.880797..., 1/(1+e^1) = 0.268941..."""
    assert_close(
        lr.sigmoid(np.array([0.0, 2.0, -1.0])),
        [0.5, 0.8807970779778823, 0.2689414213699951],
        what="sigmoid",
    )


@pytest.mark.grade(
    points=1, hint="Does your function keep the input's shape? Try a 2-D array.", task="sigmoid"
)
def test_sigmoid_keeps_the_shape_and_accepts_python_floats(lr):
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    assert_close(lr.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid of a 2-D array")
    assert_close(lr.sigmoid(0.0), 0.5, what="sigmoid(0.0)")


@pytest.mark.grade(
    task="sigmoid",
    points=2,
    hint="What is exp(1000) in float64? Can you write sigmoid so exp only sees z <= 0?",
)
@pytest.mark.parametrize("z", [-1000.0, -745.0, 710.0, 1000.0], ids=lambda z: f"z={z:g}")
def test_sigmoid_does_not_overflow_or_warn_for_extreme_inputs(lr, z):
    with no_warnings(f"sigmoid({z:g})"):
        got = lr.sigmoid(np.array([z]))
    assert_close(got, [0.0 if z < 0 else 1.0], what=f"sigmoid({z:g})")


@pytest.mark.grade(
    points=1, hint="The logistic curve is symmetric around (0, 1/2).", task="sigmoid"
)
def test_sigmoid_is_symmetric(lr, rng):
    z = rng.normal(scale=30, size=200)
    assert_close(
        lr.sigmoid(-z), 1 - lr.sigmoid(z), atol=1e-12, what="sigmoid(-z) vs 1 - sigmoid(z)"
    )


# ---------------------------------------------------------------- log loss


@pytest.mark.grade(
    points=1, hint="Mean over samples of -(y log p + (1-y) log(1-p)).", task="log_loss"
)
def test_log_loss_matches_a_hand_worked_value(lr):
    """y = [1, 0], p = [0.8, 0.4]: -(ln 0.8 + ln 0.6) / 2 = 0.366985..."""
    assert_close(lr.log_loss([1, 0], [0.8, 0.4]), 0.36698458754010, what="log_loss")


@pytest.mark.grade(
    points=1, hint="What is log(0)? Clip p to [eps, 1 - eps] before the log.", task="log_loss"
)
def test_log_loss_is_finite_for_confident_mistakes(lr):
    with no_warnings("log_loss with p = 0 and 1"):
        got = lr.log_loss([1, 0], [0.0, 1.0])
    # -log(1e-15) = 34.54; 1 - (1 - 1e-15) is not exactly 1e-15 in float64, hence rtol=1e-4
    assert_close(got, -np.log(1e-15), rtol=1e-4, what="log_loss of two certain mistakes")


@pytest.mark.grade(
    points=1, hint="Is the result a mean over samples, and a plain float?", task="log_loss"
)
def test_log_loss_agrees_with_the_reference_on_random_inputs(lr, ref, rng):
    y = rng.integers(0, 2, size=50)
    p = rng.uniform(0.01, 0.99, size=50)
    got = lr.log_loss(y, p)
    assert isinstance(got, float), f"log_loss should return a float, got {type(got).__name__}"
    assert_close(got, ref.log_loss(y, p), what="log_loss")


# ---------------------------------------------------------------- gradient


@pytest.mark.grade(
    points=2, hint="Differentiate the mean loss: did you divide by n?", task="loss_and_grad"
)
@pytest.mark.parametrize("l2", [0.0, 0.5], ids=["no-l2", "l2=0.5"])
def test_gradient_matches_finite_differences(lr, rng, l2):
    X, y = make_data(rng, n=40, d=4)
    w, b = rng.normal(size=4), 0.2
    _, grad_w, grad_b = lr.loss_and_grad(w, b, X, y, l2=l2)

    def f(theta):
        return lr.loss_and_grad(theta[:-1], theta[-1], X, y, l2=l2)[0]

    numeric = finite_difference_gradient(f, np.append(w, b))
    assert_close(grad_w, numeric[:-1], rtol=1e-5, atol=1e-7, what="grad_w vs finite differences")
    assert_close(grad_b, numeric[-1], rtol=1e-5, atol=1e-7, what="grad_b vs finite differences")


@pytest.mark.grade(
    task="loss_and_grad",
    points=2,
    hint="The penalty is l2/2·||w||²: is the bias inside it? Should it be?",
)
def test_l2_penalty_is_added_to_the_loss_and_leaves_the_bias_alone(lr, ref, rng):
    X, y = make_data(rng, n=30, d=2)
    w, b = np.array([1.5, -2.0]), 3.0
    loss0, gw0, gb0 = ref.loss_and_grad(w, b, X, y, l2=0.0)
    loss, gw, gb = lr.loss_and_grad(w, b, X, y, l2=0.4)
    assert_close(loss, loss0 + 0.2 * (1.5**2 + 2.0**2), what="regularised loss")
    assert_close(gw, gw0 + 0.4 * w, what="regularised grad_w")
    assert_close(gb, gb0, what="grad_b (the bias is not regularised)")


# ---------------------------------------------------------------- the model


def newton_solution(X, y, l2, iters=50):
    """An independent optimum: Newton's method on the same regularised loss."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros(Xb.shape[1])
    penalty = np.diag([l2] * X.shape[1] + [0.0])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(Xb @ theta)))
        grad = Xb.T @ (p - y) / len(y) + penalty @ theta
        hess = (Xb.T * (p * (1 - p))) @ Xb / len(y) + penalty
        theta -= np.linalg.solve(hess, grad)
    return theta[:-1], theta[-1]


@pytest.mark.grade(
    points=3,
    hint="Does fit start from zeros and step against the gradient?",
    task="LogisticRegression",
)
def test_fit_converges_to_the_newton_optimum(lr, rng):
    X, y = make_data(rng, n=150, d=3)
    model = lr.LogisticRegression(lr=1.0, n_iters=5000, l2=0.1, tol=1e-12).fit(X, y)
    w, b = newton_solution(X, y, 0.1)
    assert_close(model.coef_, w, rtol=1e-3, atol=1e-4, what="coef_ vs Newton's optimum")
    assert_close(model.intercept_, b, rtol=1e-3, atol=1e-4, what="intercept_ vs Newton's optimum")


@pytest.mark.grade(
    points=2,
    hint="Same data, same steps: is each iteration one full-batch step?",
    task="LogisticRegression",
)
def test_fit_follows_the_reference_gradient_descent_path(lr, ref, rng):
    X, y = make_data(rng, n=80, d=2)
    ours = lr.LogisticRegression(lr=0.3, n_iters=25, tol=0.0).fit(X, y)
    theirs = ref.LogisticRegression(lr=0.3, n_iters=25, tol=0.0).fit(X, y)
    assert ours is not None, "fit should return self"
    assert_close(ours.coef_, theirs.coef_, rtol=1e-6, what="coef_ after 25 steps")
    assert_close(ours.intercept_, theirs.intercept_, rtol=1e-6, what="intercept_ after 25 steps")
    assert isinstance(ours.intercept_, float), "intercept_ should be a float"


@pytest.mark.grade(
    points=2, hint="When does 'improves by less than tol' become true?", task="LogisticRegression"
)
def test_fit_stops_early_and_records_a_decreasing_loss_history(lr, rng):
    X, y = make_data(rng, n=100, d=2)
    model = lr.LogisticRegression(lr=0.5, n_iters=10_000, tol=1e-4).fit(X, y)
    history = np.asarray(model.loss_history_)
    assert 2 <= len(history) < 10_000, f"expected an early stop, got {len(history)} iterations"
    assert np.all(np.diff(history) <= 1e-12), "the loss should never go up with this step size"
    assert history[-2] - history[-1] < 1e-4, "stopped before the improvement fell below tol"
    assert history[:-1][-2] - history[:-1][-1] >= 1e-4 or len(history) == 2, (
        "kept going after the improvement fell below tol"
    )


@pytest.mark.grade(
    points=2,
    hint="predict_proba is P(y=1); predict compares it with a threshold.",
    task="LogisticRegression",
)
def test_predict_proba_and_predict_use_the_fitted_model(lr, rng):
    X, y = make_data(rng, n=100, d=3)
    model = lr.LogisticRegression(lr=0.5, n_iters=300).fit(X, y)
    proba = model.predict_proba(X)
    assert_close(
        proba, 1 / (1 + np.exp(-(X @ model.coef_ + model.intercept_))), what="predict_proba"
    )
    labels = model.predict(X, threshold=0.7)
    assert np.asarray(labels).dtype.kind in "iu", "predict should return integer labels"
    assert np.array_equal(labels, (proba >= 0.7).astype(int)), "predict(threshold=0.7) is off"
    assert (model.predict(X) == y).mean() > 0.8, "the fitted model should classify this easy data"


@pytest.mark.grade(
    points=1,
    hint="Check X.ndim, len(X) == len(y) and the set of labels in fit.",
    task="LogisticRegression",
)
@pytest.mark.parametrize(
    "X, y, why",
    [
        (np.ones(5), np.ones(5, dtype=int), "when X is 1-D"),
        (np.ones((5, 2)), np.ones(4, dtype=int), "when X and y differ in length"),
        (np.ones((3, 2)), np.array([0, 1, 2]), "for labels other than 0 and 1"),
    ],
    ids=["1-D X", "length mismatch", "label 2"],
)
def test_fit_rejects_bad_inputs_with_value_error(lr, X, y, why):
    with expect_error(ValueError, why):
        lr.LogisticRegression().fit(X, y)


@pytest.mark.grade(
    points=1,
    hint="Is a probability exactly equal to the threshold a 1 or a 0?",
    task="LogisticRegression",
)
def test_predict_counts_a_probability_equal_to_the_threshold_as_positive(lr):
    # With n_iters=0 the weights stay at zero, so every probability is exactly 0.5.
    model = lr.LogisticRegression(n_iters=0).fit(np.ones((4, 2)), np.array([0, 1, 0, 1]))
    assert_close(model.predict_proba(np.ones((3, 2))), [0.5, 0.5, 0.5], what="predict_proba at w=0")
    got = model.predict(np.ones((3, 2)), threshold=0.5)
    assert list(got) == [1, 1, 1], f"proba 0.5 >= threshold 0.5 should predict 1, got {list(got)}"
