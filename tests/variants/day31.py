"""Day 31 mistakes learners make: overflowing sigmoid, gradient without 1/n, …"""

from __future__ import annotations

from tests.variants import Variant

LR = "logistic_regression.py"
METRICS = "metrics.py"


VARIANTS = [
    Variant(LR, "naive sigmoid overflows for large negative inputs", (
        ("    e = np.exp(-np.abs(z))  # in (0, 1], never overflows\n"
         "    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
         "    out = 1.0 / (1.0 + np.exp(-z))"),
    )),
    Variant(LR, "log loss without clipping gives inf for a confident mistake", (
        ("p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)", "p = np.asarray(p, dtype=float)"),
    )),
    Variant(LR, "gradient missing the 1/n of the mean", (
        ("grad_w = X.T @ residual / n + l2 * w", "grad_w = X.T @ residual + l2 * w"),
    )),
    Variant(LR, "bias regularised too", (
        ("grad_b = float(residual.mean())", "grad_b = float(residual.mean()) + l2 * b"),
    )),
    Variant(LR, "L2 penalty without the 1/2 in the loss", (
        ("loss = log_loss(y, p) + 0.5 * l2 * float(w @ w)", "loss = log_loss(y, p) + l2 * float(w @ w)"),
    )),
    Variant(LR, "gradient ascent: steps along the gradient", (
        ("w = w - self.lr * grad_w", "w = w + self.lr * grad_w"),
        ("b = b - self.lr * grad_b", "b = b + self.lr * grad_b"),
    )),
    Variant(LR, "tol ignored: never stops early", (
        ("if self.loss_history_ and self.loss_history_[-1] - loss < self.tol:",
         "if False:"),
    )),
    Variant(LR, "predict uses > so a probability equal to the threshold is negative", (
        ("(self.predict_proba(X) >= threshold)", "(self.predict_proba(X) > threshold)"),
    )),
    Variant(LR, "labels not validated", (
        ("    if not np.isin(y, (0, 1)).all():\n", "    if False:\n"),
    )),
    Variant(METRICS, "precision divides by tp + fn (precision and recall swapped)", (
        ("    tp, fp, _, _ = confusion_counts(y_true, y_pred)\n    return _ratio(tp, tp + fp, zero_division)",
         "    tp, _, fn, _ = confusion_counts(y_true, y_pred)\n    return _ratio(tp, tp + fn, zero_division)"),
    )),
    Variant(METRICS, "zero_division ignored: always 0", (
        ("return float(num / den) if den else float(zero_division)",
         "return float(num / den) if den else 0.0"),
    )),
    Variant(METRICS, "f1_score drops its zero_division argument", (
        ("return fbeta_score(y_true, y_pred, 1.0, zero_division)", "return fbeta_score(y_true, y_pred, 1.0)"),
    )),
    Variant(METRICS, "beta not squared in F-beta", (
        ("    b2 = beta * beta\n", "    b2 = beta\n"),
    )),
    Variant(METRICS, "macro F1 computed from the macro precision and recall", (
        ("    p, r, f = np.mean(per_class, axis=0)\n",
         "    p, r, f = np.mean(per_class, axis=0)\n    f = 2 * p * r / (p + r) if p + r else 0.0\n"),
    )),
    Variant(METRICS, "macro over the labels of y_true only", (
        ("labels = np.union1d(y_true, y_pred)", "labels = np.unique(y_true)"),
    )),
    Variant(METRICS, "micro average computed like macro", (
        ("    if average == \"micro\":\n", "    if average == \"never\":\n"),
    )),
    Variant(METRICS, "ROC AUC ignores ties (ordinal ranks)", (
        ("    ranks = np.bincount(inverse, weights=ranks)[inverse] / np.bincount(inverse)[inverse]\n", ""),
    )),
    Variant(METRICS, "ROC AUC accepts a single class (divides by zero)", (
        ("    if n_pos == 0 or n_neg == 0:\n", "    if False:\n"),
    )),
    Variant(METRICS, "zip() truncation: inputs of different lengths are cut to the shorter", (
        ("    if y_true.shape != y_pred.shape or y_true.ndim != 1:\n        raise ValueError(\n",
         "    n = min(len(y_true), len(y_pred))\n    y_true, y_pred = y_true[:n], y_pred[:n]\n"
         "    if y_true.ndim != 1:\n        raise ValueError(\n"),
    )),
    Variant(METRICS, "binary metrics check labels with max() <= 1, so -1/1 labels pass", (
        ("        if not np.isin(labels, (0, 1)).all():\n", "        if labels.max() > 1:\n"),
    )),
    Variant(METRICS, "binary label check looks at y_true only", (
        ('for name, labels in (("y_true", y_true), ("y_pred", y_pred)):',
         'for name, labels in (("y_true", y_true),):'),
    )),
    Variant(METRICS, "confusion_counts returns (tp, fp, tn, fn): fn and tn swapped", (
        ("    return tp, fp, fn, tn\n", "    return tp, fp, tn, fn\n"),
    )),
    Variant(METRICS, "F-beta from precision and recall: zero_division when P + R is 0", (
        ("    return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division)\n",
         "    p = _ratio(tp, tp + fp, zero_division)\n    r = _ratio(tp, tp + fn, zero_division)\n"
         "    return _ratio((1 + b2) * p * r, b2 * p + r, zero_division)\n"),
    )),
    Variant(METRICS, "F-beta returns zero_division whenever tp is 0", (
        ("    return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division)\n",
         "    if tp == 0:\n        return float(zero_division)\n"
         "    return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division)\n"),
    )),
    Variant(METRICS, "macro average ignores zero_division per class", (
        ("            _ratio(tp, tp + fp, zero_division),\n            _ratio(tp, tp + fn, zero_division),\n"
         "            # subtle: macro F1",
         "            _ratio(tp, tp + fp, 0.0),\n            _ratio(tp, tp + fn, 0.0),\n"
         "            # subtle: macro F1"),
    )),
    Variant(METRICS, "macro over range(max label + 1): absent labels count as classes", (
        ("labels = np.union1d(y_true, y_pred)",
         "labels = np.arange(max(y_true.max(), y_pred.max()) + 1)"),
    )),
    Variant(METRICS, "an unknown average falls through to macro", (
        ('    if average not in ("macro", "micro"):\n', "    if False:\n"),
    )),
    Variant(METRICS, "macro/micro skip the length check (numpy broadcasts a length-1 y_pred)", (
        ('    if y_true.shape != y_pred.shape or y_true.ndim != 1:\n        raise ValueError(f"y_true and y_pred differ',
         '    if False:\n        raise ValueError(f"y_true and y_pred differ'),
    )),
    Variant(METRICS, "ROC AUC truncates y_true and scores to the shorter length", (
        ("    if y.shape != s.shape or y.ndim != 1:\n",
         "    n = min(len(y), len(s))\n    y, s = y[:n], s[:n]\n    if y.ndim != 1:\n"),
    )),
    Variant(METRICS, "ROC AUC accepts -1/1 labels (negatives are 'not 1')", (
        ("    if not np.isin(y, (0, 1)).all():\n", "    y = (y == 1).astype(int)\n    if False:\n"),
    )),
    Variant(METRICS, "ROC AUC checks only for missing positives", (
        ("    if n_pos == 0 or n_neg == 0:\n", "    if n_pos == 0:\n"),
    )),
    Variant(LR, "sigmoid of a Python float returns a 0-d array", (
        ("    return out if out.ndim else float(out)\n", "    return out\n"),
    )),
    Variant(LR, "stable-looking sigmoid that still evaluates exp on both branches (overflow warning)", (
        ("    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
         "    out = np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))"),
    )),
    Variant(LR, "log loss clips with a hard-coded 1e-15, ignoring eps", (
        ("p = np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)",
         "p = np.clip(np.asarray(p, dtype=float), 1e-15, 1.0 - 1e-15)"),
    )),
    Variant(LR, "log loss is a sum over samples, not a mean", (
        ("return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))",
         "return float(-np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))"),
    )),
    Variant(LR, "grad_b is a length-1 array (keepdims)", (
        ("grad_b = float(residual.mean())", "grad_b = residual.mean(keepdims=True)"),
    )),
    Variant(LR, "grad_b is a 0-d array, not a float", (
        ("grad_b = float(residual.mean())", "grad_b = np.asarray(residual.mean())"),
    )),
    Variant(LR, "fit ignores l2", (
        ("loss, grad_w, grad_b = loss_and_grad(w, b, X, y, self.l2)",
         "loss, grad_w, grad_b = loss_and_grad(w, b, X, y)"),
    )),
    Variant(LR, "fit does not return self", (
        ("        self.coef_, self.intercept_ = w, float(b)\n        return self\n",
         "        self.coef_, self.intercept_ = w, float(b)\n"),
    )),
    Variant(LR, "loss_history_ stored as a numpy array", (
        ("        self.coef_, self.intercept_ = w, float(b)\n",
         "        self.coef_, self.intercept_ = w, float(b)\n"
         "        self.loss_history_ = np.array(self.loss_history_)\n"),
    )),
    Variant(LR, "loss_history_ gets the final loss appended: n_iters + 1 entries", (
        ("        self.coef_, self.intercept_ = w, float(b)\n",
         "        self.coef_, self.intercept_ = w, float(b)\n"
         "        self.loss_history_.append(loss_and_grad(w, b, X, y, self.l2)[0])\n"),
    )),
    Variant(LR, "stops when the loss itself falls below tol", (
        ("if self.loss_history_ and self.loss_history_[-1] - loss < self.tol:",
         "if loss < self.tol:"),
    )),
    Variant(LR, "stops when the gradient norm falls below tol", (
        ("if self.loss_history_ and self.loss_history_[-1] - loss < self.tol:",
         "if np.linalg.norm(np.append(grad_w, grad_b)) < self.tol:"),
    )),
    Variant(LR, "label check with max() <= 1 accepts -1/1 labels", (
        ("    if not np.isin(y, (0, 1)).all():\n", "    if y.max() > 1:\n"),
    )),
    Variant(LR, "label check counts distinct values: any two labels pass", (
        ("    if not np.isin(y, (0, 1)).all():\n", "    if len(np.unique(y)) > 2:\n"),
    )),
    Variant(LR, "length of y not checked", (
        ("    if y.ndim != 1 or len(y) != len(X):\n", "    if y.ndim != 1:\n"),
    )),
    Variant(LR, "predict returns booleans", (
        ("return (self.predict_proba(X) >= threshold).astype(int)",
         "return self.predict_proba(X) >= threshold"),
    )),
    Variant(LR, "predict_proba forgets the intercept", (
        ("return sigmoid(X @ self.coef_ + self.intercept_)", "return sigmoid(X @ self.coef_)"),
    )),
]
