"""Day 37: prompt templates, safety hooks, few-shot messages and self-consistency.

Standard library only. Messages are dicts ``{"role": ..., "content": ...}`` with
roles "system", "user" and "assistant". Hints: ``nox -s hint -- day37``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class PromptTemplate:
    """``PromptTemplate("Hi {name}, {{x}}").render(name="Ann")`` -> ``"Hi Ann, {x}"``.

    ``{name}`` (a Python identifier) is a placeholder, ``{{`` and ``}}`` are
    literal braces. Any other brace (``{``, ``}``, ``{0}``, ``{ x }``) makes the
    constructor raise ValueError. A value is inserted as ``str(value)`` and never
    parsed again: a value ``"{other}"`` stays the text ``{other}``.
    """

    def __init__(self, template: str) -> None:
        self.template = template

    @property
    def variables(self) -> set[str]:
        """The placeholder names: ``"{a} {b} {a}"`` -> ``{"a", "b"}``."""
        raise NotImplementedError("PromptTemplate.variables: run 'nox -s hint -- day37' if stuck")

    def render(self, **values) -> str:
        """Fill every placeholder with ``str(value)``.

        KeyError whose message names EVERY missing variable; otherwise ValueError
        naming every unexpected one.
        """
        raise NotImplementedError("PromptTemplate.render: run 'nox -s hint -- day37' if stuck")


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
    raise NotImplementedError("redact_pii: run 'nox -s hint -- day37' if stuck")


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
    raise NotImplementedError("detect_prompt_injection: run 'nox -s hint -- day37' if stuck")


class UnsafePromptError(Exception):
    """A safety hook refused a value."""


def block_injection(value: str) -> str:
    """A pre-hook: the value unchanged, or UnsafePromptError if it looks like an injection."""
    raise NotImplementedError("block_injection: run 'nox -s hint -- day37' if stuck")


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
        self.template = template
        self.pre_hooks = tuple(pre_hooks)
        self.post_hooks = tuple(post_hooks)

    @property
    def variables(self) -> set[str]:
        """The template's placeholder names."""
        raise NotImplementedError("SafePrompt.variables: run 'nox -s hint -- day37' if stuck")

    def render(self, **values) -> str:
        """Pre-hooks on each value, render (same errors as PromptTemplate), post-hooks."""
        raise NotImplementedError("SafePrompt.render: run 'nox -s hint -- day37' if stuck")


def few_shot_messages(instruction, examples, query, k=None, rng=None):
    """``[system, user, assistant, ..., user(query)]`` with ``k`` worked examples.

    ``examples`` is a list of ``(input, output)`` pairs. Without ``rng`` the first
    ``k`` examples, in order (all of them when k is None); with ``rng`` (a
    ``random.Random``) exactly ``rng.sample(examples, k)``: k distinct examples in
    the order drawn. ``ValueError`` unless 0 <= k <= len(examples).
    few_shot_messages("Add.", [("1+1", "2")], "2+2") ->
    [system "Add.", user "1+1", assistant "2", user "2+2"].
    """
    raise NotImplementedError("few_shot_messages: run 'nox -s hint -- day37' if stuck")


def self_consistency(sample_fn, n, normalize=str.strip):
    """Call ``sample_fn()`` n times; return ``(majority answer, votes)`` over normalised answers.

    ``votes`` maps each normalised answer to its count. Ties go to the answer
    seen first. ["4", " 5", "5 ", "4"] -> ("4", {"4": 2, "5": 2}).
    ``ValueError`` when n < 1.
    """
    raise NotImplementedError("self_consistency: run 'nox -s hint -- day37' if stuck")
