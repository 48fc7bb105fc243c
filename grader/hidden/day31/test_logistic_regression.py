"""Hidden tests for exercises/day31/logistic_regression.py."""

from __future__ import annotations

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_close,
    attempt_module,
    expect_error,
    finite_difference_gradient,
    name_the_mistake,
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
    points=1, hint="Does your sigmoid keep the shape of a 2-D input?", task="sigmoid"
)
def test_sigmoid_keeps_the_shape_of_an_array(lr):
    z = np.arange(-3.0, 3.0).reshape(2, 3)
    assert_close(lr.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid of a 2-D array")


@pytest.mark.grade(
    points=1,
    hint="What type does your sigmoid return for a Python float: a float or a 0-d array?",
    task="sigmoid",
)
def test_sigmoid_of_a_python_float_is_a_float(lr):
    got = lr.sigmoid(2.0)
    assert isinstance(got, float), (
        f"sigmoid(2.0) should return a float, got {type(got).__name__} {got!r}"
        + (" (a 0-d array: float(...) it)" if isinstance(got, np.ndarray) else "")
    )
    assert_close(got, 0.8807970779778823, what="sigmoid(2.0)")


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
    points=1,
    hint="Do your two branches (z >= 0 and z < 0) give the same curve, mirrored around (0, 1/2)?",
    task="sigmoid",
)
def test_sigmoid_is_symmetric(lr, rng):
    z = rng.normal(scale=30, size=200)
    assert_close(
        lr.sigmoid(-z), 1 - lr.sigmoid(z), atol=1e-12, what="sigmoid(-z) vs 1 - sigmoid(z)"
    )


# ---------------------------------------------------------------- log loss


@pytest.mark.grade(
    points=1,
    hint="Is it the mean over samples of -(y log p + (1-y) log(1-p)), with the minus sign?",
    task="log_loss",
)
def test_log_loss_matches_a_hand_worked_value(lr):
    """y = [1, 0], p = [0.8, 0.4]: -(ln 0.8 + ln 0.6) / 2 = 0.366985..."""
    got = lr.log_loss([1, 0], [0.8, 0.4])
    name_the_mistake(
        got,
        {
            "a sum over samples, not a mean": (0.73396917508020, "Sum or mean over samples?"),
            "the sign is flipped": (-0.36698458754010, "Where is the minus sign?"),
        },
        what="log_loss",
    )
    assert_close(got, 0.36698458754010, what="log_loss")


@pytest.mark.grade(
    points=1, hint="What is log(0)? Where do you clip p, and to what?", task="log_loss"
)
def test_log_loss_is_finite_for_confident_mistakes(lr):
    with no_warnings("log_loss with p = 0 and 1"):
        got = lr.log_loss([1, 0], [0.0, 1.0])
    # -log(1e-15) = 34.54; 1 - (1 - 1e-15) is not exactly 1e-15 in float64, hence rtol=1e-4
    assert_close(got, -np.log(1e-15), rtol=1e-4, what="log_loss of two certain mistakes")


@pytest.mark.grade(
    points=1,
    hint="Do you clip with the eps argument, or with a fixed number?",
    task="log_loss",
)
def test_log_loss_clips_with_the_eps_it_is_given(lr):
    # with eps = 0.01, p = 0 is read as 0.01 and p = 1 as 0.99: -ln(0.01) for each sample
    got = lr.log_loss([1, 0], [0.0, 1.0], eps=0.01)
    name_the_mistake(
        got,
        {"clipped with 1e-15 whatever eps is": (-np.log(1e-15), "Do you use the eps argument?")},
        what="log_loss(eps=0.01)",
        rtol=1e-3,
    )
    assert_close(got, -np.log(0.01), rtol=1e-9, what="log_loss of two certain mistakes, eps=0.01")


@pytest.mark.grade(
    points=1,
    hint="Does your log_loss return a plain float equal to the mean over samples?",
    task="log_loss",
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
    n = len(y)
    name_the_mistake(
        grad_w,
        {
            "grad_w is n times too large: the 1/n of the mean is missing": (
                n * (numeric[:-1] - l2 * w) + l2 * w,
                "The loss is a mean over n samples: is your gradient one too?",
            ),
            "grad_w has the wrong sign": (-numeric[:-1], "Is it p - y or y - p?"),
        },
        what="grad_w vs finite differences",
        rtol=1e-4,
    )
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
    # ||w||² = 1.5² + 2² = 6.25, so the penalty is 0.4 / 2 · 6.25 = 1.25
    name_the_mistake(
        loss,
        {
            "penalty l2·||w||² without the 1/2": (
                loss0 + 0.4 * 6.25,
                "Is the penalty l2/2·||w||² or l2·||w||²?",
            ),
            "the bias is in the penalty too": (
                loss0 + 0.2 * (6.25 + 3.0**2),
                "Is the bias inside ||w||²? Should it be?",
            ),
        },
        what="regularised loss",
    )
    assert_close(loss, loss0 + 1.25, what="regularised loss")
    assert_close(gw, gw0 + 0.4 * w, what="regularised grad_w")
    name_the_mistake(
        gb,
        {"grad_b has l2 · b added": (gb0 + 0.4 * b, "Is the bias regularised? Should it be?")},
        what="grad_b",
    )
    assert_close(gb, gb0, what="grad_b (the bias is not regularised)")


@pytest.mark.grade(
    points=1,
    hint="What shape is your grad_w, and what type is your grad_b?",
    task="loss_and_grad",
)
def test_loss_and_grad_returns_a_grad_w_of_shape_d_and_a_float_grad_b(lr, rng):
    X, y = make_data(rng, n=20, d=3)
    _, grad_w, grad_b = lr.loss_and_grad(np.zeros(3), 0.0, X, y)
    assert np.shape(grad_w) == (3,), f"grad_w should have shape (d,) = (3,), got {np.shape(grad_w)}"
    assert isinstance(grad_b, float), (
        f"grad_b should be a float, got {type(grad_b).__name__} of shape {np.shape(grad_b)}"
    )


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
    hint="Does fit use l2, start from zeros and step against the gradient?",
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
    hint="Same data, same steps: is each iteration one full-batch step from zero weights?",
    task="LogisticRegression",
)
def test_fit_follows_the_reference_gradient_descent_path(lr, ref, rng):
    X, y = make_data(rng, n=80, d=2)
    ours = lr.LogisticRegression(lr=0.3, n_iters=25, tol=0.0).fit(X, y)
    theirs = ref.LogisticRegression(lr=0.3, n_iters=25, tol=0.0).fit(X, y)
    assert_close(ours.coef_, theirs.coef_, rtol=1e-6, what="coef_ after 25 steps")
    assert_close(ours.intercept_, theirs.intercept_, rtol=1e-6, what="intercept_ after 25 steps")
    assert isinstance(ours.intercept_, float), "intercept_ should be a float"


@pytest.mark.grade(
    points=1, hint="What does your fit end with: return self?", task="LogisticRegression"
)
def test_fit_returns_the_model_itself(lr, rng):
    X, y = make_data(rng, n=20, d=2)
    model = lr.LogisticRegression(n_iters=5)
    got = model.fit(X, y)
    assert got is model, f"fit should return self (the model), got {_describe_fit(got)}"


def _describe_fit(value):
    return "None" if value is None else f"a {type(value).__name__}"


@pytest.mark.grade(
    points=1,
    hint="How many losses does your loss_history_ hold after n_iters steps, and in what type?",
    task="LogisticRegression",
)
def test_loss_history_is_a_list_with_one_float_per_iteration(lr, rng):
    # tol=0.0: the loss keeps falling with this step, so all 25 iterations run
    X, y = make_data(rng, n=80, d=2)
    history = lr.LogisticRegression(lr=0.3, n_iters=25, tol=0.0).fit(X, y).loss_history_
    assert isinstance(history, list), (
        f"loss_history_ should be a list, got {type(history).__name__}"
    )
    assert len(history) == 25, (
        f"25 iterations should record 25 losses (one per iteration), got {len(history)}"
    )
    assert all(isinstance(v, float) for v in history), (
        f"loss_history_ should hold floats, got {sorted({type(v).__name__ for v in history})}"
    )


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
    hint="Does predict_proba use coef_ and intercept_, and predict return 0/1 integers?",
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
    assert np.array_equal(model.predict(X), (proba >= 0.5).astype(int)), (
        "predict(X) with the default threshold should be 1 exactly where predict_proba >= 0.5"
    )


@pytest.mark.grade(
    points=1,
    hint="Which inputs does fit refuse: what do you check about X, y and the labels?",
    task="LogisticRegression",
)
@pytest.mark.parametrize(
    "X, y, why, hint",
    [
        # a single feature vector instead of a (n, d) matrix
        (np.ones(5), np.ones(5, dtype=int), "when X is 1-D", "Do you check X.ndim == 2?"),
        # one label missing
        (
            np.ones((5, 2)),
            np.ones(4, dtype=int),
            "when X and y differ in length",
            "Do you check len(X) == len(y)?",
        ),
        # one label for five rows: numpy would broadcast it without complaint
        (
            np.ones((5, 2)),
            np.ones(1, dtype=int),
            "when y has one label for five rows",
            "Do you check len(X) == len(y), or rely on numpy to complain?",
        ),
        # a third class
        (
            np.ones((3, 2)),
            np.array([0, 1, 2]),
            "for a label 2",
            "Do you check that every label is 0 or 1?",
        ),
        # the -1/1 convention: two classes, but not 0/1 (the loss assumes y in {0, 1})
        (
            np.ones((4, 2)),
            np.array([-1, 1, -1, 1]),
            "for -1/1 labels",
            "Does your label check accept -1? Is it 'two distinct values' or 'at most 1'?",
        ),
    ],
    ids=["1-D X", "length mismatch", "one label", "label 2", "labels -1 and 1"],
)
def test_fit_rejects_bad_inputs_with_value_error(lr, X, y, why, hint):
    try:
        with expect_error(ValueError, why):
            lr.LogisticRegression(n_iters=5).fit(X, y)
    except AssertionError as exc:
        raise Mistake(str(exc), hint=hint) from None


@pytest.mark.grade(
    points=1,
    hint="Is a probability exactly equal to the threshold a 1 or a 0?",
    task="LogisticRegression",
)
def test_predict_counts_a_probability_equal_to_the_threshold_as_positive(lr):
    # Identical rows with balanced labels: at w = 0, b = 0 the gradient is exactly 0,
    # so the weights stay at zero and every probability is exactly 0.5.
    model = lr.LogisticRegression().fit(np.ones((4, 2)), np.array([0, 1, 0, 1]))
    assert_close(model.predict_proba(np.ones((3, 2))), [0.5, 0.5, 0.5], what="predict_proba at w=0")
    got = model.predict(np.ones((3, 2)), threshold=0.5)
    assert list(got) == [1, 1, 1], f"proba 0.5 >= threshold 0.5 should predict 1, got {list(got)}"
