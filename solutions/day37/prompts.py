"""Prompt building blocks: templates, safety hooks, few-shot messages, self-consistency.

- :class:`PromptTemplate`: ``{name}`` placeholders and ``{{``/``}}`` literals,
  rendered in ONE pass, so a value that contains ``{other}`` stays text (a
  ``str.replace`` loop would render it: template injection).
- :func:`redact_pii`, :func:`detect_prompt_injection`, :class:`SafePrompt`: hooks
  that run on each value before rendering and on the rendered text after.
- :func:`few_shot_messages`: chat messages that show the model worked examples.
- :func:`self_consistency`: sample several answers, keep the majority.

Left out: token budgets (truncating examples to fit a context window), a real
PII detector (names, addresses, card numbers: regexes cannot find names), and
model-based injection classifiers. Heuristics like these catch the lazy attack,
never the determined one: they are one layer, not the defence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class PromptTemplate:
    """``PromptTemplate("Hi {name}, {{x}}").render(name="Ann")`` -> ``"Hi Ann, {x}"``.

    ``{name}`` (a Python identifier) is a placeholder, ``{{`` and ``}}`` are
    literal braces. Any other brace (``{``, ``}``, ``{0}``, ``{ x }``) makes the
    constructor raise ValueError. A value is inserted as ``str(value)`` and never
    parsed again: a value ``"{other}"`` stays the text ``{other}``.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self._parts: list[tuple[bool, str]] = []  # (is_variable, text or name)
        position = 0
        for match in _TOKEN.finditer(template):
            self._parts.append((False, template[position : match.start()]))
            token = match.group(0)
            if match.group(1) is not None and match.group(1).isidentifier():
                self._parts.append((True, match.group(1)))  # any Python identifier: {prénom}
            elif token in ("{{", "}}"):
                self._parts.append((False, token[0]))
            else:
                raise ValueError(
                    f"{token!r} at position {match.start()} of {template!r} is not a "
                    "placeholder: write {{ or }} for a literal brace, {name} (a Python "
                    "identifier) for a variable"
                )
            position = match.end()
        self._parts.append((False, template[position:]))

    @property
    def variables(self) -> set[str]:
        """The placeholder names: ``"{a} {b} {a}"`` -> ``{"a", "b"}``."""
        return {text for is_variable, text in self._parts if is_variable}

    def render(self, **values) -> str:
        """Fill every placeholder with ``str(value)``.

        KeyError whose message names EVERY missing variable; otherwise ValueError
        naming every unexpected one.
        """
        missing = sorted(self.variables - values.keys())
        if missing:
            raise KeyError(f"missing value(s) for {', '.join(missing)}")
        unexpected = sorted(values.keys() - self.variables)
        if unexpected:
            raise ValueError(
                f"unexpected variable(s) {', '.join(unexpected)}; "
                f"the template uses {sorted(self.variables)}"
            )
        # subtle: one pass over the parsed template: a value is never parsed again
        return "".join(str(values[t]) if is_var else t for is_var, t in self._parts)


# ---------------------------------------------------------------------------- safety hooks

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w+])(?<!\d[.-])(?:"  # not the tail of a longer number either
    r"(?P<intl>\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){1,6})"  # +44 20 7946 0958, +8613800138000
    r"|(?P<national>(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{3,4}(?:[ .-]?\d{3,4})?)"  # (202) 555-0173
    r")(?!\w|[.-]\d)"  # subtle: not the head of a longer number (an IP, a version)
)


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    low, high = (8, 15) if match.group("intl") else (9, 12)
    return "[PHONE]" if low <= digits <= high else match.group(0)


def redact_pii(text: str) -> str:
    """Replace e-mail addresses with ``[EMAIL]`` and phone numbers with ``[PHONE]``.

    Phone numbers recognised:

    - international: ``+`` and a 1-3 digit country code, then digit groups
      (1-4 digits, optionally in parentheses) separated by nothing, a space, a
      dash or a dot, 8 to 15 digits in all: ``+44 20 7946 0958``,
      ``+1-202-555-0173``, ``+1 (202) 555-0173``, ``+33 1 23 45 67 89``, ``+8613800138000``;
    - national, with an area code: 2-5 digits (or the same in parentheses), then
      one or two groups of 3-4 digits, 9 to 12 digits in all: ``(202) 555-0173``,
      ``202-555-0173``, ``202.555.0173``, ``020 7946 0958``, ``07700 900123``.

    Not redacted: dates (``2024-01-15``), years (``2019-2023``), IP addresses,
    versions (``3.11.7``), short numbers (``order 12345``), prices.
    "Call +1-202-555-0173 or mail bob@example.com" -> "Call [PHONE] or mail [EMAIL]".
    """
    text = _EMAIL.sub("[EMAIL]", text)  # first: an address can hold digits
    return _PHONE.sub(_phone_or_keep, text)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+((?:[a-z]+\s+){0,3}?)"
    r"(?:instructions?|prompts?|rules|directions|guidelines)\b"
)
_QUALIFIERS = {"previous", "prior", "above", "earlier", "preceding", "all", "any", "your"}
_QUALIFIERS |= {"system", "original", "initial"}
_REVEAL = re.compile(
    r"\b(?:reveal|show|print|repeat|display|output|leak|tell\s+me|what\s+(?:is|are|was|were))"
    r"\s+(?:me\s+|us\s+)?(?:your|the)\s+(?:[a-z]+\s+)?"
    r"(?:system\s+(?:prompt|message)|(?:hidden|initial|original)\s+(?:prompt|instructions))"
)
_ROLE = re.compile(
    r"\byou\s+are\s+now\s+(?:dan\b|in\s+developer\s+mode|unrestricted|jailbroken)"
    r"|\b(?:enable|enter|activate)\s+(?:developer|dan|god)\s+mode\b"
)


def detect_prompt_injection(text: str) -> bool:
    """True when ``text`` looks like an attempt to override the prompt's instructions.

    The text is normalised first: Unicode NFKC (full-width letters become ASCII),
    zero-width characters removed, lower case, every run of whitespace one space.
    Then any of these heuristics fires:

    1. override: ignore / disregard / forget / override, up to three words, then
       instruction(s) / prompt(s) / rules / directions / guidelines, where those
       words include previous, prior, above, earlier, preceding, all, any, your,
       system, original or initial ("ignore all previous instructions");
    2. reveal: reveal / show / print / repeat / display / output / leak / tell me /
       what is|are|was|were, then your|the, then the system prompt or message, or
       the hidden / initial / original prompt or instructions;
    3. role hijack: "you are now DAN | in developer mode | unrestricted |
       jailbroken", "enable | enter | activate developer | DAN | god mode".

    "Please ignore the typo above" -> False; "IGNORE  all previous\\ninstructions" -> True.
    """
    normal = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    normal = re.sub(r"\s+", " ", normal.lower())
    for match in _OVERRIDE.finditer(normal):
        if _QUALIFIERS & set(match.group(1).split()):
            return True
    return bool(_REVEAL.search(normal) or _ROLE.search(normal))


class UnsafePromptError(Exception):
    """A safety hook refused a value."""


def block_injection(value: str) -> str:
    """A pre-hook: the value unchanged, or UnsafePromptError if it looks like an injection."""
    if detect_prompt_injection(value):
        raise UnsafePromptError(f"looks like a prompt injection: {value[:60]!r}")
    return value


class SafePrompt:
    """A template whose values pass through ``pre_hooks`` and whose result through ``post_hooks``.

    Every hook is ``str -> str``. Pre-hooks run, in order, on ``str(value)`` of each
    value (never on the trusted template text); an UnsafePromptError they raise is
    re-raised naming the variable. Post-hooks run, in order, on the rendered text.
    SafePrompt("Q: {q}", pre_hooks=[redact_pii]).render(q="I am bob@x.org") ->
    "Q: I am [EMAIL]".
    """

    def __init__(
        self,
        template: str,
        pre_hooks: Iterable[Callable[[str], str]] = (),
        post_hooks: Iterable[Callable[[str], str]] = (),
    ) -> None:
        self.template = PromptTemplate(template)
        self.pre_hooks = tuple(pre_hooks)
        self.post_hooks = tuple(post_hooks)

    @property
    def variables(self) -> set[str]:
        """The template's placeholder names."""
        return self.template.variables

    def render(self, **values) -> str:
        """Pre-hooks on each value, render (same errors as PromptTemplate), post-hooks."""
        cleaned = {}
        for name, value in values.items():
            text = str(value)
            for hook in self.pre_hooks:
                try:
                    text = hook(text)
                except UnsafePromptError as exc:
                    raise UnsafePromptError(f"value of {name!r} refused: {exc}") from exc
            cleaned[name] = text
        rendered = self.template.render(**cleaned)
        for hook in self.post_hooks:
            rendered = hook(rendered)
        return rendered


# ---------------------------------------------------------------------------- prompting


def few_shot_messages(instruction, examples, query, k=None, rng=None):
    """``[system, user, assistant, ..., user(query)]`` with ``k`` worked examples.

    ``examples`` is a list of ``(input, output)`` pairs. Without ``rng`` the first
    ``k`` examples, in order (all of them when k is None); with ``rng`` (a
    ``random.Random``) exactly ``rng.sample(examples, k)``: k distinct examples in
    the order drawn. ``ValueError`` unless 0 <= k <= len(examples).
    few_shot_messages("Add.", [("1+1", "2")], "2+2") ->
    [system "Add.", user "1+1", assistant "2", user "2+2"].
    """
    examples = list(examples)
    k = len(examples) if k is None else k
    if not 0 <= k <= len(examples):
        raise ValueError(f"k must be between 0 and {len(examples)} (the examples given), got {k}")
    chosen = rng.sample(examples, k) if rng is not None else examples[:k]
    messages = [{"role": "system", "content": instruction}]
    for example_input, example_output in chosen:
        messages.append({"role": "user", "content": example_input})
        messages.append({"role": "assistant", "content": example_output})
    messages.append({"role": "user", "content": query})
    return messages


def self_consistency(sample_fn, n, normalize=str.strip):
    """Call ``sample_fn()`` n times; return ``(majority answer, votes)`` over normalised answers.

    ``votes`` maps each normalised answer to its count. Ties go to the answer
    seen first. ["4", " 5", "5 ", "4"] -> ("4", {"4": 2, "5": 2}).
    ``ValueError`` when n < 1.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    votes: Counter[str] = Counter(normalize(sample_fn()) for _ in range(n))
    # subtle: a Counter keeps first-seen order and max() returns the first maximum,
    # so ties go to the answer seen first (sorted() would pick alphabetically).
    answer = max(votes, key=votes.__getitem__)
    return answer, dict(votes)
