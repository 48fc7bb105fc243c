"""Day 36 mistakes learners make: an unlocked rate limiter, gather without cancellation,
top-p that drops the crossing token, int8 codes truncated instead of rounded, …"""

from __future__ import annotations

from tests.variants import Variant

CONC = "concurrency.py"
SAMPLING = "sampling.py"
QUANT = "quantization.py"

_TAKE_LOCKED = """        with self._lock:
            # subtle: refill, check and take form ONE critical section. Without the
            # lock two threads can both see 1 token and both take it.
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return None
            return (tokens - self._tokens) / self.rate"""

_GET_LOCKED = """        with self._lock:
            # subtle: test membership, not `value is None`: None can be a cached value.
            if key not in self._data:
                self.misses += 1
                return default
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]"""

_PUT_LOCKED = """        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
            self._data[key] = value
            if len(self._data) > self.capacity:
                self._data.popitem(last=False)  # the least recently used"""


def _unlocked(block: str) -> str:
    """The same block without its ``with self._lock:`` line, dedented one level."""
    lines = block.splitlines()[1:]
    return "\n".join(line[4:] for line in lines)


VARIANTS = [
    # ------------------------------------------------------------------ TokenBucket
    Variant(CONC, "token bucket without a lock: check-then-take races between threads", (
        (_TAKE_LOCKED, _unlocked(_TAKE_LOCKED)),
    )),
    Variant(CONC, "token bucket without a lock, the request converted to float first", (
        (_TAKE_LOCKED, "        tokens = float(tokens)\n" + _unlocked(_TAKE_LOCKED)),
    )),
    Variant(CONC, "refill not capped: an idle bucket saves up unlimited tokens", (
        ("self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)",
         "self._tokens = self._tokens + elapsed * self.rate"),
    )),
    Variant(CONC, "bucket starts empty instead of full", (
        ("self._tokens = capacity  # starts full", "self._tokens = 0.0  # starts empty"),
    )),
    Variant(CONC, "refill only counts whole seconds", (
        ("elapsed = max(0.0, now - self._last)", "elapsed = float(int(max(0.0, now - self._last)))"),
    )),
    Variant(CONC, "try_acquire takes what is there when it is not enough", (
        ("                return None\n            return (tokens - self._tokens) / self.rate",
         "                return None\n            wait = (tokens - self._tokens) / self.rate\n"
         "            self._tokens = 0.0\n            return wait"),
    )),
    Variant(CONC, "acquire sleeps the full wait even past the deadline", (
        ("                if wait > remaining:\n                    return False",
         "                if remaining <= 0:\n                    return False"),
    )),
    Variant(CONC, "acquire sleeps while holding the (re-entrant) lock", (
        ("        self._lock = threading.Lock()\n        self._tokens = capacity",
         "        self._lock = threading.RLock()\n        self._tokens = capacity"),
        ("        while True:\n            wait = self._take(tokens)",
         "        self._lock.acquire()\n        while True:\n            wait = self._take(tokens)"),
        ("            if wait is None:\n                return True",
         "            if wait is None:\n                self._lock.release()\n                return True"),
        ("                if wait > remaining:\n                    return False",
         "                if wait > remaining:\n                    self._lock.release()\n                    return False"),
    )),
    Variant(CONC, "acquire checks and takes without the lock (only try_acquire is locked)", (
        ("            wait = self._take(tokens)\n            if wait is None:\n                return True",
         "            self._refill()\n            if self._tokens >= tokens:\n"
         "                self._tokens -= tokens\n                return True\n"
         "            wait = (tokens - self._tokens) / self.rate"),
    )),
    Variant(CONC, "a request for 0 or a negative number of tokens is accepted", (
        ("if not 0 < tokens <= self.capacity:", "if tokens > self.capacity:"),
    )),
    Variant(CONC, "acquire gives up when the token arrives exactly at the deadline", (
        ("                if wait > remaining:\n                    return False",
         "                if wait >= remaining:\n                    return False"),
    )),
    # ------------------------------------------------------------------ gather_limited
    Variant(CONC, "gather_limited does not cancel the others when one fails", (
        ("    try:\n        await asyncio.gather(*workers)\n    except BaseException:\n"
         "        # subtle: gather does not cancel its siblings when one fails; we must, and\n"
         "        # wait for them to finish cancelling before re-raising.\n"
         "        for task in workers:\n            task.cancel()\n"
         "        await asyncio.gather(*workers, return_exceptions=True)\n        raise\n",
         "    await asyncio.gather(*workers)\n"),
    )),
    Variant(CONC, "gather_limited ignores the limit and starts everything at once", (
        ("for _ in range(min(limit, len(factories)))", "for _ in range(len(factories))"),
    )),
    Variant(CONC, "gather_limited awaits one factory at a time", (
        ("for _ in range(min(limit, len(factories)))", "for _ in range(min(1, len(factories)))"),
    )),
    Variant(CONC, "gather_limited returns results in completion order", (
        ("    results = [None] * len(factories)\n", "    results = []\n"),
        ("results[i] = await factories[i]()", "results.append(await factories[i]())"),
    )),
    Variant(CONC, "gather_limited calls every factory up front", (
        ("    factories = list(factories)\n",
         "    factories = list(factories)\n    coroutines = [factory() for factory in factories]\n"),
        ("results[i] = await factories[i]()", "results[i] = await coroutines[i]"),
    )),
    Variant(CONC, "gather_limited cancels the others but re-raises before they finish cancelling", (
        ("        await asyncio.gather(*workers, return_exceptions=True)\n        raise\n",
         "        raise\n"),
    )),
    # ------------------------------------------------------------------ LRUCache
    Variant(CONC, "LRU evicts the most recently used entry (popitem() defaults to last=True)", (
        ("self._data.popitem(last=False)", "self._data.popitem()"),
    )),
    Variant(CONC, "LRU get does not refresh recency", (
        ("            self._data.move_to_end(key)\n            self.hits += 1\n",
         "            self.hits += 1\n"),
    )),
    Variant(CONC, "LRU treats a stored None as a miss", (
        ("            if key not in self._data:\n                self.misses += 1",
         "            if self._data.get(key) is None:\n                self.misses += 1"),
    )),
    Variant(CONC, "LRU without a lock: a key is evicted between the check and the use", (
        (_GET_LOCKED, _unlocked(_GET_LOCKED)),
        (_PUT_LOCKED, _unlocked(_PUT_LOCKED)),
    )),
    Variant(CONC, "LRU keeps recency in a list: list.remove and pop(0) are O(n)", (
        ("        self._lock = threading.Lock()\n\n    def get",
         "        self._lock = threading.Lock()\n        self._order = []\n\n    def get"),
        ("            self._data.move_to_end(key)\n            self.hits += 1\n",
         "            self._order.remove(key)\n            self._order.append(key)\n            self.hits += 1\n"),
        ("            if key in self._data:\n                self._data.move_to_end(key)\n"
         "            self._data[key] = value\n            if len(self._data) > self.capacity:\n"
         "                self._data.popitem(last=False)  # the least recently used",
         "            if key in self._data:\n                self._order.remove(key)\n"
         "            self._order.append(key)\n            self._data[key] = value\n"
         "            if len(self._data) > self.capacity:\n"
         "                del self._data[self._order.pop(0)]"),
    )),
    Variant(CONC, "LRU get without the lock (only put is locked)", (
        (_GET_LOCKED, _unlocked(_GET_LOCKED)),
    )),
    Variant(CONC, "LRU put without the lock (only get is locked)", (
        (_PUT_LOCKED, _unlocked(_PUT_LOCKED)),
    )),
    Variant(CONC, "LRU counts hits and misses after releasing the lock", (
        ("            if key not in self._data:\n                self.misses += 1\n"
         "                return default\n            self._data.move_to_end(key)\n"
         "            self.hits += 1\n            return self._data[key]",
         "            hit = key in self._data\n            if hit:\n"
         "                self._data.move_to_end(key)\n                value = self._data[key]\n"
         "        if not hit:\n            self.misses += 1\n            return default\n"
         "        self.hits += 1\n        return value"),
    )),
    # ------------------------------------------------------------------ parallel_map
    Variant(CONC, "parallel_map returns results in completion order (as_completed)", (
        ("from concurrent.futures import ThreadPoolExecutor\n",
         "from concurrent.futures import ThreadPoolExecutor, as_completed\n"),
        ("return [future.result() for future in futures]",
         "return [future.result() for future in as_completed(futures)]"),
    )),
    Variant(CONC, "parallel_map ignores max_workers (the default pool size)", (
        ("ThreadPoolExecutor(max_workers=max_workers)", "ThreadPoolExecutor()"),
    )),
    Variant(CONC, "parallel_map runs the calls one by one", (
        ("    with ThreadPoolExecutor(max_workers=max_workers) as pool:",
         "    return [fn(item) for item in items]\n    with ThreadPoolExecutor(max_workers=max_workers) as pool:"),
    )),
    # ------------------------------------------------------------------ sampling
    Variant(SAMPLING, "temperature multiplies the logits", (
        ("return _as_logits(logits) / temperature", "return _as_logits(logits) * temperature"),
    )),
    Variant(SAMPLING, "top-k keeps exactly k by argsort, dropping ties at the boundary", (
        ("    kth_largest = np.partition(logits, -k)[-k]  # O(V), no full sort\n",
         "    top = np.argsort(logits)[-k:]\n"),
        ("    return np.where(logits < kth_largest, -np.inf, logits)",
         "    out = np.full_like(logits, -np.inf)\n    out[top] = logits[top]\n    return out"),
    )),
    Variant(SAMPLING, "top-k filters the caller's array in place", (
        ("    return np.where(logits < kth_largest, -np.inf, logits)",
         "    logits[logits < kth_largest] = -np.inf\n    return logits"),
    )),
    Variant(SAMPLING, "top-k with k >= vocabulary size is not special-cased (index error)", (
        ("    if k >= logits.size:\n        return logits.copy()\n", ""),
    )),
    Variant(SAMPLING, "top-p drops the token that crosses p", (
        ("keep_sorted = mass_before < p", "keep_sorted = np.cumsum(probs[order]) < p"),
    )),
    Variant(SAMPLING, "top-p accumulates in vocabulary order instead of by probability", (
        ('order = np.argsort(-probs, kind="stable")', "order = np.arange(probs.size)"),
    )),
    Variant(SAMPLING, "top-p ignores min_tokens_to_keep", (
        ("    keep_sorted[:min_tokens_to_keep] = True\n", ""),
    )),
    Variant(SAMPLING, "softmax without subtracting the max overflows for large logits", (
        ("shifted = np.exp(logits - logits.max())", "shifted = np.exp(logits)"),
    )),
    Variant(SAMPLING, "greedy via argsort picks the last index on ties", (
        ("return int(np.argmax(logits))  # np.argmax returns the first maximum",
         "return int(np.argsort(logits, kind='stable')[-1])"),
    )),
    Variant(SAMPLING, "temperature applied after the filters", (
        ("    scaled = apply_temperature(logits, temperature)  # raises for T < 0\n",
         "    scaled = logits\n"),
        ("    probs = _softmax(scaled)\n    return int(rng.choice(probs.size, p=probs))",
         "    probs = _softmax(apply_temperature(scaled, temperature))\n"
         "    return int(rng.choice(probs.size, p=probs))"),
    )),
    Variant(SAMPLING, "sampling uses the global np.random instead of the rng given", (
        ("return int(rng.choice(probs.size, p=probs))", "return int(np.random.choice(probs.size, p=probs))"),
    )),
    Variant(SAMPLING, "top-p cut with searchsorted(side='right'): one token too many at exactly p", (
        ("    keep_sorted = mass_before < p\n",
         "    cutoff = np.searchsorted(np.cumsum(probs[order]), p, side=\"right\")\n"
         "    keep_sorted = np.arange(probs.size) <= cutoff\n"),
    )),
    Variant(SAMPLING, "top-p keeps tokens while the sum with them is <= p", (
        ("keep_sorted = mass_before < p", "keep_sorted = mass_before <= p"),
    )),
    Variant(SAMPLING, "top-p computes its own softmax without subtracting the max", (
        ("    probs = _softmax(logits)\n    order",
         "    probs = np.exp(logits) / np.exp(logits).sum()\n    order"),
    )),
    Variant(SAMPLING, "temperature 0 approximated by a tiny temperature (still draws)", (
        ("    if temperature == 0:\n        return int(np.argmax(logits))",
         "    if temperature == 0:\n        temperature = 1e-9\n    if False:\n"
         "        return int(np.argmax(logits))"),
    )),
    Variant(SAMPLING, "sampled token drawn from np.arange(V): returned as numpy.int64", (
        ("return int(rng.choice(probs.size, p=probs))",
         "return rng.choice(np.arange(probs.size), p=probs)"),
    )),
    Variant(SAMPLING, "greedy token returned as numpy.int64 (np.argmax)", (
        ("return int(np.argmax(logits))  # np.argmax", "return np.argmax(logits)  # np.argmax"),
    )),
    Variant(SAMPLING, "apply_temperature divides the caller's array in place", (
        ("    return _as_logits(logits) / temperature",
         "    logits = _as_logits(logits)\n    logits /= temperature\n    return logits"),
    )),
    # ------------------------------------------------------------------ quantization
    Variant(QUANT, "codes truncated by astype instead of rounded", (
        ("q = np.clip(np.round(x / scale), -QMAX, QMAX).astype(np.int8)",
         "q = np.clip(x / scale, -QMAX, QMAX).astype(np.int8)"),
    )),
    Variant(QUANT, "scale = max|x| / 128: the largest value saturates", (
        ("scale = np.where(max_abs > 0, max_abs / QMAX, 1.0)",
         "scale = np.where(max_abs > 0, max_abs / 128, 1.0)"),
    )),
    Variant(QUANT, "255 levels of the asymmetric range used in a symmetric scheme", (
        ("scale = np.where(max_abs > 0, max_abs / QMAX, 1.0)",
         "scale = np.where(max_abs > 0, 2 * max_abs / 255, 1.0)"),
    )),
    Variant(QUANT, "per-channel max taken over the channel axis itself", (
        ("    axes = _reduce_axes(x.ndim, axis)\n", "    axes = axis\n"),
    )),
    Variant(QUANT, "per-channel scale without keepdims does not broadcast per row", (
        ("keepdims=axis is not None", "keepdims=False"),
    )),
    Variant(QUANT, "an all-zero channel divides 0 by 0", (
        ("scale = np.where(max_abs > 0, max_abs / QMAX, 1.0)", "scale = max_abs / QMAX"),
    )),
    Variant(QUANT, "codes cast to uint8: negative weights wrap around", (
        (".astype(np.int8)", ".astype(np.uint8)"),
    )),
    Variant(QUANT, "per-tensor scale returned as a 0-d numpy array, not a float", (
        ("return q, (float(scale) if axis is None else scale)", "return q, scale"),
    )),
    Variant(QUANT, "a negative axis is not normalised: axis=-1 reduces over every axis", (
        ("    axis = axis + ndim if axis < 0 else axis\n", ""),
    )),
    Variant(QUANT, "codes rounded down with np.floor", (
        ("np.clip(np.round(x / scale), -QMAX, QMAX)", "np.clip(np.floor(x / scale), -QMAX, QMAX)"),
    )),
    Variant(QUANT, "dequantize divides by the scale", (
        ("return np.asarray(q).astype(float) * np.asarray(scale, dtype=float)",
         "return np.asarray(q).astype(float) / np.asarray(scale, dtype=float)"),
    )),
]
