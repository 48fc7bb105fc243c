"""Day 37 mistakes learners make: retrying a 400, ignoring Retry-After, retrying forever, …"""

from __future__ import annotations

from tests.variants import Variant

CLIENT = "llm_client.py"
PROMPTS = "prompts.py"


VARIANTS = [
    # ------------------------------------------------------------------ llm_client.py
    Variant(CLIENT, "retries a 400: every 4xx and 5xx is treated as transient", (
        ("    return exc.status in RETRYABLE_STATUSES\n",
         "    return exc.status is not None and exc.status >= 400\n"),
    )),
    Variant(CLIENT, "ignores Retry-After: always the exponential backoff", (
        ("        if exc.retry_after is not None:\n"
         "            return exc.retry_after  # the server knows best when it will have room\n", ""),
    )),
    Variant(CLIENT, "no cap on backoff: the wait keeps doubling", (
        ("bound = min(cap, base * 2.0 ** min(attempt, 64))", "bound = base * 2.0 ** min(attempt, 64)"),
    )),
    Variant(CLIENT, "backoff overflows: 2**attempt is not clamped", (
        ("bound = min(cap, base * 2.0 ** min(attempt, 64))", "bound = min(cap, base * 2.0**attempt)"),
    )),
    Variant(CLIENT, "swallows the last error: returns None when retries run out", (
        ("        assert last is not None\n        raise last\n", "        return None\n"),
    )),
    Variant(CLIENT, "retries forever: the loop has no end", (
        ("import http.client\n", "import http.client\nimport itertools\n"),
        ("        for attempt in range(self.max_retries + 1):\n",
         "        for attempt in itertools.count():\n"),
    )),
    Variant(CLIENT, "off by one: max_retries attempts in all, not max_retries + 1", (
        ("        for attempt in range(self.max_retries + 1):\n",
         "        for attempt in range(self.max_retries):\n"),
    )),
    Variant(CLIENT, "sleeps once more after the last failed attempt", (
        ("        assert last is not None\n        raise last\n",
         "        assert last is not None\n"
         "        self.sleep(self._delay(last, self.max_retries))\n        raise last\n"),
    )),
    Variant(CLIENT, "raises the first failure instead of the last", (
        ("                last = exc\n", "                last = last or exc\n"),
    )),
    Variant(CLIENT, "backoff attempts counted from 1: the first wait is already doubled", (
        ("self.sleep(self._delay(last, attempt - 1))", "self.sleep(self._delay(last, attempt))"),
    )),
    Variant(CLIENT, "a timeout escapes as the raw TimeoutError", (
        ("    except TimeoutError as exc:\n"
         "        raise LLMTimeoutError(f\"no answer within {timeout:g} s\") from exc\n"
         "    except urllib.error.URLError as exc:\n",
         "    except urllib.error.URLError as exc:\n"),
    )),
    Variant(CLIENT, "only urlopen is guarded: a body that stalls escapes as a raw TimeoutError", (
        ("        with response, _transport_errors(self.timeout):\n"
         "            raw = response.read()", "        with response:\n            raw = response.read()"),
    )),
    Variant(CLIENT, "a malformed body is retried like a 503", (
        ("    if isinstance(exc, LLMTimeoutError):\n",
         "    if isinstance(exc, (LLMTimeoutError, InvalidResponseError)):\n"),
    )),
    Variant(CLIENT, "usage overwritten by each call instead of accumulated", (
        ("            self.usage[key] += int((usage or {}).get(key) or 0)\n",
         "            self.usage[key] = int((usage or {}).get(key) or 0)\n"),
    )),
    Variant(CLIENT, "fence not stripped: a ```json answer is parsed as is", (
        ("    text = fenced.group(1) if fenced else content", "    text = content"),
    )),
    Variant(CLIENT, "required keys never checked", (
        ("    missing = [key for key in required_keys if key not in value]\n",
         "    missing = []\n"),
    )),
    Variant(CLIENT, "repair conversation grows: every bad answer and fix is appended", (
        ("            asked = [*messages, {\"role\": \"user\", \"content\": fix}]\n",
         "            asked = [*asked, {\"role\": \"assistant\", \"content\": content},\n"
         "                     {\"role\": \"user\", \"content\": fix}]\n"),
    )),
    Variant(CLIENT, "the repair message states the problem but does not quote the bad answer", (
        ("                f\"Your previous answer was:\\n{content}\\n\\nProblem: {problem}. Reply with only \"\n",
         "                f\"Your previous answer was not usable.\\n\\nProblem: {problem}. Reply with only \"\n"),
    )),
    Variant(CLIENT, "stream parses each network read as if it were one line", (
        ("            for raw_line in response:\n",
         "            for raw_line in iter(lambda: response.read1(65536), b\"\"):\n"),
    )),
    Variant(CLIENT, "stream assumes choices[0]: the usage chunk crashes it", (
        ("                for choice in chunk.get(\"choices\") or ():  # the usage chunk has none\n"
         "                    piece = (choice.get(\"delta\") or {}).get(\"content\")\n"
         "                    if piece:\n"
         "                        yield piece\n",
         "                piece = chunk[\"choices\"][0][\"delta\"].get(\"content\")\n"
         "                if piece:\n"
         "                    yield piece\n"),
    )),
    Variant(CLIENT, "a stream cut before [DONE] is accepted as a complete answer", (
        ("        raise InvalidResponseError(\"the stream ended before 'data: [DONE]': the answer is cut\")\n",
         "        return\n"),
    )),
    Variant(CLIENT, "retries a 408 Request Timeout: its name says timeout, but it is a 4xx", (
        ("    return exc.status in RETRYABLE_STATUSES\n",
         "    return exc.status in RETRYABLE_STATUSES or exc.status == 408\n"),
    )),
    Variant(CLIENT, "retries every 5xx, 501 Not Implemented included", (
        ("    return exc.status in RETRYABLE_STATUSES\n",
         "    return isinstance(exc, (RateLimitError, ServerError))\n"),
    )),
    Variant(CLIENT, "Retry-After only raises the wait: max(Retry-After, backoff)", (
        ("            return exc.retry_after  # the server knows best when it will have room\n",
         "            backoff = backoff_delay(attempt, self.backoff_base, self.backoff_cap, self.rng)\n"
         "            return max(exc.retry_after, backoff)\n"),
    )),
    Variant(CLIENT, "Retry-After 0 taken as absent: `if exc.retry_after:`", (
        ("        if exc.retry_after is not None:\n", "        if exc.retry_after:\n"),
    )),
    Variant(CLIENT, "Retry-After parsed with int(): '1.5' is dropped and the backoff used", (
        ("        seconds = float(value)  # type: ignore[arg-type]\n",
         "        seconds = int(value)  # type: ignore[arg-type]\n"),
    )),
    Variant(CLIENT, "the default rng has a fixed seed: every client jitters alike", (
        ("self.rng = rng if rng is not None else random.Random()",
         "self.rng = rng if rng is not None else random.Random(37)"),
    )),
    Variant(CLIENT, "one seeded module-level rng shared by every client (same waits in every process)", (
        ("RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})\n",
         "RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})\n_RNG = random.Random(37)\n"),
        ("self.rng = rng if rng is not None else random.Random()",
         "self.rng = rng if rng is not None else _RNG"),
    )),
    Variant(CLIENT, "usage added as soon as the body parses, before it is validated", (
        ("        return _completion_content(raw)\n",
         "        try:\n"
         "            self._add_usage(json.loads(raw).get(\"usage\"))\n"
         "        except (ValueError, AttributeError):\n"
         "            pass\n"
         "        return _completion_content(raw)\n"),
        ("        self._add_usage(usage)\n        return content\n", "        return content\n"),
    )),
    Variant(CLIENT, "backoff refuses a zero base or cap (<= 0 instead of < 0)", (
        ("    if attempt < 0 or base < 0 or cap < 0:\n", "    if attempt < 0 or base <= 0 or cap <= 0:\n"),
    )),
    Variant(CLIENT, "a refused connection escapes as urllib's URLError", (
        ("        raise ServerError(f\"connection failed: {exc.reason}\") from exc\n", "        raise\n"),
    )),
    Variant(CLIENT, "the error's message is the raw JSON body, not the server's message", (
        ("        message = str(json.loads(raw)[\"error\"][\"message\"])\n",
         "        json.loads(raw)[\"error\"][\"message\"]\n        message = raw\n"),
    )),
    Variant(CLIENT, "a malformed body raised as a ServerError (so it is retried)", (
        ("        raise InvalidResponseError(\n            f\"expected a chat.completion",
         "        raise ServerError(\n            f\"expected a chat.completion"),
    )),
    # ------------------------------------------------------------------ prompts.py
    Variant(PROMPTS, "values rendered by a str.replace loop: a value's {name} is rendered too", (
        ("        return \"\".join(str(values[t]) if is_var else t for is_var, t in self._parts)\n",
         "        text = \"\".join(\"{\" + t + \"}\" if is_var else t for is_var, t in self._parts)\n"
         "        for name in sorted(self.variables):\n"
         "            text = text.replace(\"{\" + name + \"}\", str(values[name]))\n"
         "        return text\n"),
    )),
    Variant(PROMPTS, "KeyError names only the first missing variable", (
        ("raise KeyError(f\"missing value(s) for {', '.join(missing)}\")",
         "raise KeyError(f\"missing value for {missing[0]}\")"),
    )),
    Variant(PROMPTS, "unexpected values silently ignored", (
        ("        if unexpected:\n", "        if False:\n"),
    )),
    Variant(PROMPTS, "a lone brace is kept as text instead of refused", (
        ("            else:\n                raise ValueError(\n",
         "            else:\n                self._parts.append((False, token))\n"
         "            if False:\n                raise ValueError(\n"),
    )),
    Variant(PROMPTS, "unexpected values checked before missing ones: ValueError wins over KeyError", (
        ("        if missing:\n            raise KeyError(f\"missing value(s) for {', '.join(missing)}\")\n", ""),
        ("                f\"the template uses {sorted(self.variables)}\"\n            )\n",
         "                f\"the template uses {sorted(self.variables)}\"\n            )\n"
         "        if missing:\n            raise KeyError(f\"missing value(s) for {', '.join(missing)}\")\n"),
    )),
    Variant(PROMPTS, "placeholder names limited to ASCII: {prénom} is refused", (
        ("            if match.group(1) is not None and match.group(1).isidentifier():\n",
         "            if match.group(1) is not None and re.fullmatch(r\"[A-Za-z_]\\w*\", match.group(1), re.ASCII):\n"),
    )),
    Variant(PROMPTS, "a national number needs two groups after the area code", (
        (r'\d{3,4}(?:[ .-]?\d{3,4})?)"  # (202) 555-0173', r'\d{3,4}[ .-]?\d{3,4})"  # (202) 555-0173'),
    )),
    Variant(PROMPTS, "digit count checked with range(low, high): the top of the range is left out", (
        ("    return \"[PHONE]\" if low <= digits <= high else match.group(0)\n",
         "    return \"[PHONE]\" if digits in range(low, high) else match.group(0)\n"),
    )),
    Variant(PROMPTS, "the verb 'override' forgotten", (
        ("(?:ignore|disregard|forget|override)", "(?:ignore|disregard|forget)"),
    )),
    Variant(PROMPTS, "qualifiers system, original and initial forgotten", (
        ("_QUALIFIERS |= {\"system\", \"original\", \"initial\"}\n", ""),
    )),
    Variant(PROMPTS, "at most two words between the verb and 'instructions'", (
        ("((?:[a-z]+\\s+){0,3}?)", "((?:[a-z]+\\s+){0,2}?)"),
    )),
    Variant(PROMPTS, "role hijack without 'god mode'", (
        ("(?:developer|dan|god)\\s+mode", "(?:developer|dan)\\s+mode"),
    )),
    Variant(PROMPTS, "reveal without 'tell me'", (
        ("|tell\\s+me|", "|"),
    )),
    Variant(PROMPTS, "SafePrompt renders only the template's variables: an unexpected value is ignored", (
        ("        for name, value in values.items():\n",
         "        for name, value in ((n, values[n]) for n in self.variables if n in values):\n"),
    )),
    Variant(PROMPTS, "international numbers need a separator after the country code", (
        ("(?P<intl>\\+\\d{1,3}(?:[ .-]?\\(?\\d{1,4}\\)?){1,6})",
         "(?P<intl>\\+\\d{1,3}(?:[ .-]\\(?\\d{1,4}\\)?){1,6})"),
    )),
    Variant(PROMPTS, "no digit count: dates and year ranges become [PHONE]", (
        ("    return \"[PHONE]\" if low <= digits <= high else match.group(0)\n",
         "    return \"[PHONE]\"\n"),
    )),
    Variant(PROMPTS, "e-mail pattern without dots or plus in the local part", (
        ("_EMAIL = re.compile(r\"[\\w.%+-]+@", "_EMAIL = re.compile(r\"\\w+@"),
    )),
    Variant(PROMPTS, "injection check is case-sensitive", (
        ("    normal = re.sub(r\"\\s+\", \" \", normal.lower())\n",
         "    normal = re.sub(r\"\\s+\", \" \", normal)\n"),
    )),
    Variant(PROMPTS, "no Unicode normalisation: full-width and zero-width tricks pass", (
        ("    normal = unicodedata.normalize(\"NFKC\", text).translate(_INVISIBLE)\n",
         "    normal = text\n"),
    )),
    Variant(PROMPTS, "every 'ignore ... instructions' is flagged, even a benign one", (
        ("        if _QUALIFIERS & set(match.group(1).split()):\n", "        if True:\n"),
    )),
    Variant(PROMPTS, "pre-hooks run on the rendered text, the trusted template included", (
        ("            for hook in self.pre_hooks:\n"
         "                try:\n"
         "                    text = hook(text)\n"
         "                except UnsafePromptError as exc:\n"
         "                    raise UnsafePromptError(f\"value of {name!r} refused: {exc}\") from exc\n"
         "            cleaned[name] = text\n"
         "        rendered = self.template.render(**cleaned)\n",
         "            cleaned[name] = text\n"
         "        rendered = self.template.render(**cleaned)\n"
         "        for hook in self.pre_hooks:\n"
         "            rendered = hook(rendered)\n"),
    )),
    Variant(PROMPTS, "pre-hooks applied in reverse order", (
        ("            for hook in self.pre_hooks:\n", "            for hook in reversed(self.pre_hooks):\n"),
    )),
    Variant(PROMPTS, "post-hooks applied in reverse order", (
        ("        for hook in self.post_hooks:\n", "        for hook in reversed(self.post_hooks):\n"),
    )),
    Variant(PROMPTS, "UnsafePromptError does not say which variable", (
        ("                    raise UnsafePromptError(f\"value of {name!r} refused: {exc}\") from exc\n",
         "                    raise\n"),
    )),
    Variant(PROMPTS, "few-shot examples sampled with replacement", (
        ("chosen = rng.sample(examples, k)", "chosen = rng.choices(examples, k=k)"),
    )),
    Variant(PROMPTS, "few-shot k ignored without an rng: every example is shown", (
        ("if rng is not None else examples[:k]", "if rng is not None else examples"),
    )),
    Variant(PROMPTS, "few-shot k not validated", (
        ("    if not 0 <= k <= len(examples):\n", "    if False:\n"),
    )),
    Variant(PROMPTS, "few-shot roles swapped: the model seems to ask the questions", (
        ("        messages.append({\"role\": \"user\", \"content\": example_input})\n"
         "        messages.append({\"role\": \"assistant\", \"content\": example_output})\n",
         "        messages.append({\"role\": \"assistant\", \"content\": example_input})\n"
         "        messages.append({\"role\": \"user\", \"content\": example_output})\n"),
    )),
    Variant(PROMPTS, "self-consistency ties broken alphabetically", (
        ("    answer = max(votes, key=votes.__getitem__)\n",
         "    answer = max(sorted(votes), key=votes.__getitem__)\n"),
    )),
    Variant(PROMPTS, "self-consistency votes on raw answers, not normalised ones", (
        ("Counter(normalize(sample_fn()) for _ in range(n))", "Counter(sample_fn() for _ in range(n))"),
    )),
    Variant(PROMPTS, "self-consistency samples n - 1 times", (
        ("Counter(normalize(sample_fn()) for _ in range(n))",
         "Counter(normalize(sample_fn()) for _ in range(n - 1))"),
    )),
]
