"""Day 35 mistakes learners make: a mask from the pad id, a deadline reset by every
request, a \\r\\n split read as two line endings, a LoRA update scaled by alpha, …"""

from __future__ import annotations

from tests.variants import Variant

BATCHING = "batching.py"
STREAMING = "streaming.py"
LORA = "lora.py"


VARIANTS = [
    # ------------------------------------------------------------------ batching.py
    Variant(BATCHING, "batched drops the short last batch", (
        ("while batch := tuple(islice(it, n)):", "while len(batch := tuple(islice(it, n))) == n:"),
    )),
    Variant(BATCHING, "batched reads the whole iterable first (hangs on an infinite one)", (
        ("return _batches(iter(iterable), n)", "return _batches(iter(list(iterable)), n)"),
    )),
    Variant(BATCHING, "batched does not check n", (
        ("    if n < 1:\n        raise ValueError(f\"n must be at least 1, got {n!r}\")\n", ""),
    )),
    Variant(BATCHING, "attention mask computed as ids != pad_id", (
        ("        mask[i, : len(row)] = True\n", ""),
        ("    return ids, mask\n", "    mask = ids != pad_id\n    return ids, mask\n"),
    )),
    Variant(BATCHING, "truncation keeps the last max_len tokens", (
        ("row = row[:T]  # truncation keeps the first tokens", "row = row[max(0, len(row) - T) :]"),
    )),
    Variant(BATCHING, "max_len only truncates: short batches are not padded up to it", (
        ("T = max((len(r) for r in rows), default=0) if max_len is None else max_len",
         "T = max((len(r) for r in rows), default=0)\n"
         "    T = T if max_len is None else min(T, max_len)"),
    )),
    Variant(BATCHING, "ids left as int32", (
        ("ids = np.full((len(rows), T), pad_id, dtype=np.int64)", "ids = np.full((len(rows), T), pad_id, dtype=np.int32)"),
    )),
    Variant(BATCHING, "bucket_by_length sorts longest first", (
        ("key=lambda i: len(seqs[i]))", "key=lambda i: -len(seqs[i]))"),
    )),
    Variant(BATCHING, "bucket_by_length chunks without sorting", (
        ("order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))", "order = list(range(len(seqs)))"),
    )),
    Variant(BATCHING, "MicroBatcher takes every pending item, ignoring max_batch_size", (
        ("size = min(self.max_batch_size, len(self._pending))", "size = len(self._pending)"),
    )),
    Variant(BATCHING, "MicroBatcher waits only for the timer, never for a full batch", (
        ("if self._closed or len(self._pending) >= self.max_batch_size:", "if self._closed:"),
    )),
    Variant(BATCHING, "MicroBatcher serves at once, never waiting for company", (
        ("if self._closed or len(self._pending) >= self.max_batch_size:", "if True:"),
    )),
    Variant(BATCHING, "MicroBatcher has no timer: a lone item waits forever", (
        ("self._cond.wait(remaining)", "self._cond.wait()"),
    )),
    Variant(BATCHING, "MicroBatcher deadline measured from the newest item", (
        ("remaining = self._pending[0][2] + self.max_wait_s", "remaining = self._pending[-1][2] + self.max_wait_s"),
    )),
    Variant(BATCHING, "MicroBatcher serves newest first (LIFO)", (
        ("return [self._pending.popleft() for _ in range(size)]",
         "return [self._pending.pop() for _ in range(size)]"),
    )),
    Variant(BATCHING, "an exception from batch_fn kills the worker thread", (
        ("        try:\n            results = list(self.batch_fn(items))\n",
         "        if True:\n            results = list(self.batch_fn(items))\n"),
        ("        except Exception as exc:  # subtle: the worker must survive a failing batch\n"
         "            for _, future in live:\n                future.set_exception(exc)\n            return\n",
         ""),
    )),
    Variant(BATCHING, "result list of the wrong length not checked", (
        ("            if len(results) != len(items):\n", "            if False:\n"),
    )),
    Variant(BATCHING, "close stops the worker without serving what is pending", (
        ("            while True:\n                if self._pending:\n",
         "            while True:\n                if self._closed:\n                    return None\n"
         "                if self._pending:\n"),
    )),
    Variant(BATCHING, "submit after close is accepted (and never served)", (
        ("            if self._closed:\n                raise RuntimeError", "            if False:\n                raise RuntimeError"),
    )),
    Variant(BATCHING, "settings not validated", (
        ("        if max_batch_size < 1:\n", "        if False:\n"),
        ("        if max_wait_s < 0:\n", "        if False:\n"),
    )),
    Variant(BATCHING, "batched reads a batch ahead before it is asked for", (
        ("from itertools import islice", "from itertools import chain, islice"),
        ("    return _batches(iter(iterable), n)\n",
         "    it = iter(iterable)\n    first = tuple(islice(it, n))  # peek to fail early\n"
         "    return _batches(chain(first, it), n)\n"),
    )),
    Variant(BATCHING, "a negative max_len taken as 'no limit'", (
        ("    if max_len is not None and max_len < 0:\n        raise ValueError(f\"max_len must be >= 0 or None, got {max_len!r}\")\n",
         "    if max_len is not None and max_len < 0:\n        max_len = None\n"),
    )),
    Variant(BATCHING, "attention mask left as 0/1 integers", (
        ("mask = np.zeros((len(rows), T), dtype=bool)", "mask = np.zeros((len(rows), T), dtype=np.int64)"),
    )),
    Variant(BATCHING, "MicroBatcher waits for MORE than max_batch_size items (> instead of >=)", (
        ("len(self._pending) >= self.max_batch_size:", "len(self._pending) > self.max_batch_size:"),
    )),
    Variant(BATCHING, "MicroBatcher serves as soon as any new item wakes the worker", (
        ("                    self._cond.wait(remaining)  # may wake early: the loop re-checks\n",
         "                    self._cond.wait(remaining)\n                    break\n"),
    )),
    Variant(BATCHING, "MicroBatcher hands batch_fn a tuple", (
        ("items = [item for item, _ in live]", "items = tuple(item for item, _ in live)"),
    )),
    Variant(BATCHING, "submit serves a full batch itself, on the caller's thread", (
        ("            self._cond.notify()  # the worker recomputes its deadline or sees a full batch\n",
         "            self._cond.notify()  # the worker recomputes its deadline or sees a full batch\n"
         "            full = None\n"
         "            if len(self._pending) >= self.max_batch_size:\n"
         "                full = [self._pending.popleft() for _ in range(self.max_batch_size)]\n"
         "        if full:\n            self._serve(full)\n"),
    )),
    Variant(BATCHING, "close does not join the worker", (
        ("        if threading.current_thread() is not self._worker:\n            self._worker.join()\n", ""),
    )),
    Variant(BATCHING, "close waits for the timer instead of flushing", (
        ("if self._closed or len(self._pending) >= self.max_batch_size:", "if len(self._pending) >= self.max_batch_size:"),
    )),
    Variant(BATCHING, "a second close raises", (
        ("        with self._cond:\n            self._closed = True\n",
         "        with self._cond:\n            if self._closed:\n                raise RuntimeError(\"already closed\")\n"
         "            self._closed = True\n"),
    )),
    Variant(BATCHING, "max_wait_s = 0 refused", (
        ("        if max_wait_s < 0:\n", "        if max_wait_s <= 0:\n"),
    )),
    Variant(BATCHING, "only the first future of a failing batch gets the exception", (
        ("            for _, future in live:\n                future.set_exception(exc)\n",
         "            live[0][1].set_exception(exc)\n"),
    )),
    # ------------------------------------------------------------------ streaming.py
    Variant(STREAMING, "each chunk decoded on its own (breaks on a split UTF-8 character)", (
        ("text = decoder.decode(chunk)", "text = bytes(chunk).decode(\"utf-8\")"),
    )),
    Variant(STREAMING, "a \\r\\n split across chunks read as two line endings", (
        ("        if after_cr and text:\n", "        if False:\n"),
    )),
    Variant(STREAMING, "only \\n and \\r\\n end a line", (
        ("_EOL = re.compile(r\"\\r\\n|\\r|\\n\")", "_EOL = re.compile(r\"\\r?\\n\")"),
    )),
    Variant(STREAMING, "all leading spaces stripped from a value", (
        ("value = value[1:]  # subtle", "value = value.lstrip(\" \")  # subtle"),
    )),
    Variant(STREAMING, "data lines joined without newlines", (
        ("\"\\n\".join(data_lines)", "\"\".join(data_lines)"),
    )),
    Variant(STREAMING, "an empty data buffer checked on the joined text (\"data:\" alone is lost)", (
        ("            if data_lines:\n", "            if \"\\n\".join(data_lines):\n"),
    )),
    Variant(STREAMING, "event type not reset after a blank line", (
        ("event_type, data_lines = \"\", []  # the id is NOT reset", "data_lines = []"),
    )),
    Variant(STREAMING, "id reset after every event", (
        ("event_type, data_lines = \"\", []  # the id is NOT reset", "event_type, data_lines, last_id = \"\", [], None"),
    )),
    Variant(STREAMING, "an unfinished event dispatched at the end of the stream", (
        ("    # At the end of the stream the rest of ``buffer`` is an unterminated line: dropped.\n",
         "    yield buffer\n    yield \"\"\n"),
    )),
    Variant(STREAMING, "byte-order mark not removed", (
        ("text, at_start = text.removeprefix(\"\\ufeff\"), False", "at_start = False"),
    )),
    Variant(STREAMING, "delta content read with [] (KeyError on the role-only chunk)", (
        ("content = (choices[0].get(\"delta\") or {}).get(\"content\")", "content = choices[0][\"delta\"][\"content\"]"),
    )),
    Variant(STREAMING, "an empty choices list not handled (the usage chunk)", (
        ("if not choices:  # subtle", "if choices is None:  # subtle"),
    )),
    Variant(STREAMING, "empty or null content yielded too", (
        ("if isinstance(content, str) and content:", "if \"content\" in (choices[0].get(\"delta\") or {}):"),
    )),
    Variant(STREAMING, "[DONE] skipped instead of ending the stream", (
        ("        if event.data.strip() == \"[DONE]\":\n            return\n",
         "        if event.data.strip() == \"[DONE]\":\n            continue\n"),
    )),
    Variant(STREAMING, "malformed JSON error does not say which event", (
        ("        try:\n            chunk = json.loads(event.data)\n", "        if True:\n            chunk = json.loads(event.data)\n"),
        ("        except json.JSONDecodeError as exc:\n            raise ValueError(\n"
         "                f\"event {index} (type {event.event!r}) is not valid JSON: {event.data!r} ({exc})\"\n"
         "            ) from None\n", ""),
    )),
    Variant(STREAMING, "time_stream ignores the injected clock", (
        ("    start = clock()\n", "    start = time.perf_counter()\n"),
        ("first = clock() - start", "first = time.perf_counter() - start"),
        ("total = clock() - start", "total = time.perf_counter() - start"),
    )),
    Variant(STREAMING, "total time taken at the last piece, not at the end of the stream", (
        ("        parts.append(piece)\n", "        parts.append(piece)\n        last = clock()\n"),
        ("total = clock() - start", "total = (last if parts else clock()) - start"),
    )),
    Variant(STREAMING, "n_pieces counts characters", (
        ("return \"\".join(parts), first, total, len(parts)", "return \"\".join(parts), first, total, len(\"\".join(parts))"),
    )),
    Variant(STREAMING, "time to first token is 0.0 for an empty stream", (
        ("parts, first = [], None", "parts, first = [], 0.0"),
        ("if first is None:", "if not parts:"),
    )),
    Variant(STREAMING, "a byte-order mark stripped at the start of every chunk", (
        ("        if at_start and text:\n", "        if text:\n"),
    )),
    Variant(STREAMING, "every leading byte-order mark stripped", (
        ("text.removeprefix(\"\\ufeff\"), False", "text.lstrip(\"\\ufeff\"), False"),
    )),
    Variant(STREAMING, "the byte-order mark looked for in the first chunk only (a split BOM stays)", (
        ("        if at_start and text:\n", "        if at_start:\n"),
    )),
    Variant(STREAMING, "an empty event type dispatched as \"\" instead of \"message\"", (
        ("    event_type, data_lines, last_id = \"\", [], None\n", "    event_type, data_lines, last_id = None, [], None\n"),
        ("SSEEvent(event_type or \"message\",", "SSEEvent(\"message\" if event_type is None else event_type,"),
        ("event_type, data_lines = \"\", []  # the id is NOT reset", "event_type, data_lines = None, []  # the id is NOT reset"),
    )),
    Variant(STREAMING, "a trailing \\r held back until the next chunk shows whether \\n follows", (
        ("        buffer += text\n", "        buffer += text\n        held = buffer.endswith(\"\\r\")\n        buffer = buffer[:-1] if held else buffer\n"),
        ("        buffer = buffer[start:]\n", "        buffer = buffer[start:] + (\"\\r\" if held else \"\")\n"),
    )),
    Variant(STREAMING, "malformed JSON error quotes the data but not the event's index", (
        ("f\"event {index} (type {event.event!r}) is not valid JSON", "f\"an event (type {event.event!r}) is not valid JSON"),
    )),
    Variant(STREAMING, "iter_text_deltas collects every piece before yielding", (
        ("    for index, event in enumerate(events):\n        if event.data.strip() == \"[DONE]\":\n            return\n",
         "    pieces = []\n    for index, event in enumerate(events):\n        if event.data.strip() == \"[DONE]\":\n            break\n"),
        ("            yield content\n", "            pieces.append(content)\n    yield from pieces\n"),
    )),
    # ------------------------------------------------------------------ lora.py
    Variant(LORA, "update scaled by alpha instead of alpha / r", (
        ("scale = alpha / r  # subtle", "scale = alpha  # subtle"),
        ("return W + (alpha / r) * (B @ A)", "return W + alpha * (B @ A)"),
    )),
    Variant(LORA, "integer division alpha // r", (
        ("scale = alpha / r  # subtle", "scale = alpha // r  # subtle"),
    )),
    Variant(LORA, "forward pass forms the merged (d_out, d_in) matrix", (
        ("return base + scale * low_rank", "return x @ (W + scale * (B @ A)).T"),
    )),
    Variant(LORA, "forward pass forgets the frozen W", (
        ("return base + scale * low_rank", "return scale * low_rank"),
    )),
    Variant(LORA, "merge_lora modifies W in place", (
        ("    return W + (alpha / r) * (B @ A)  # (d_out, d_in)\n",
         "    W += (alpha / r) * (B @ A)  # (d_out, d_in)\n    return W\n"),
    )),
    Variant(LORA, "LoRA parameter count forgets B", (
        ("return r * (d_in + d_out)", "return r * d_in"),
    )),
    Variant(LORA, "LoRA parameter count includes the frozen W", (
        ("return r * (d_in + d_out)", "return r * (d_in + d_out) + d_out * d_in"),
    )),
    Variant(LORA, "shapes not checked against each other", (
        ("    if r < 1 or A.shape != (r, d_in) or B.shape != (d_out, r):\n", "    if r < 1:\n"),
    )),
    Variant(LORA, "sizes below one accepted by the parameter counts", (
        ("    if min(d_out, d_in, r) < 1:\n", "    if False:\n"),
        ("    if min(d_out, d_in) < 1:\n", "    if False:\n"),
    )),
    Variant(LORA, "forward pass copies W (np.array instead of np.asarray)", (
        ("W, A, B = (np.asarray(m, dtype=float) for m in (W, A, B))",
         "W, A, B = (np.array(m, dtype=float) for m in (W, A, B))"),
    )),
    Variant(LORA, "rank read from the wrong axis of A", (
        ("scale = alpha / r  # subtle", "scale = alpha / A.shape[1]  # subtle"),
    )),
    Variant(LORA, "lora_param_count does not check d_in", (
        ("    if min(d_out, d_in, r) < 1:\n", "    if min(d_out, r) < 1:\n"),
    )),
    Variant(LORA, "full_param_count checks only d_in", (
        ("    if min(d_out, d_in) < 1:\n", "    if d_in < 1:\n"),
    )),
]
