"""Hidden tests for exercises/day33/bpe.py."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from grader.testing import (
    Mistake,
    assert_grows_like_the_reference,
    assert_not_much_slower,
    attempt_module,
    expect_error,
    name_the_mistake,
    reference_module,
)

bpe = attempt_module("bpe")
ref = reference_module("bpe")

A, B, C, D = 97, 98, 99, 100  # the bytes of "a", "b", "c", "d"

# Mixed scripts, so that some learned tokens hold half of a character (机 is 3 bytes).
CORPUS = (
    "machine learning 机器学习 is fun 🙂🙂; naïve café, crème brûlée. "
    "机器学习 again and again: learning, learned, learner 🚀 Ελληνικά, русский.\n"
) * 4

ROUND_TRIP = {
    "empty": "",
    "ascii": "hello world, hello tokens!",
    "cjk": "机器学习",
    "emoji": "🙂👍🏽🚀 family: 👨‍👩‍👧",
    "mixed": "naïve café 机器学习 Ελληνικά русский 🙂 and more",
    "combining": "e\u0301 vs é, a\u030a",
    "controls": "tab\tnewline\nnul\x00 bell\x07",
    "unseen": "ᚠᛇᚻ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷽",
}

# Code point ranges for random strings: ASCII, Latin, Greek, Cyrillic, combining
# marks, CJK, Hangul, emoji, C0 controls, and anything outside the surrogates.
RANGES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x300, 0x36F),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0x1F300, 0x1F64F),
    (0x00, 0x1F),
    (0x00, 0x10FFFF),
]


def random_char(rng) -> str:
    lo, hi = RANGES[rng.integers(len(RANGES))]
    code = int(rng.integers(lo, hi + 1))
    return "?" if 0xD800 <= code <= 0xDFFF else chr(code)  # surrogates are not text


def random_text(rng, n: int) -> str:
    return "".join(random_char(rng) for _ in range(n))


def repetitive_text(rng, n: int) -> str:
    """Text drawn from a few random characters, so that pairs repeat and merges happen."""
    alphabet = [random_char(rng) for _ in range(int(rng.integers(2, 8)))]
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=n))


def merge_by_hand(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def apply_merges_in_order(text: str, merges: dict) -> list[int]:
    """Independent encoder: apply every merge, in creation (= id) order, to the whole sequence."""
    ids = list(text.encode("utf-8"))
    for pair, new_id in sorted(merges.items(), key=lambda item: item[1]):
        ids = merge_by_hand(ids, pair, new_id)
    return ids


# Tie rules: each picks one of the equally frequent pairs, listed in order of first occurrence.
TIE_RULES = {
    "the first pair in the sequence (right)": lambda tied: tied[0],
    "the smallest pair": min,
    "the largest pair": max,
    "the last pair in the sequence": lambda tied: tied[-1],
    "the pair holding the newest id": lambda tied: max(tied, key=max),
}
TIE_HINTS = {
    "the smallest pair": "Among equally frequent pairs, which wins: the smallest, or the one "
    "met first in the sequence? Do you sort the pairs, or use min on (-count, pair)?",
    "the largest pair": "Among equally frequent pairs, which wins: the largest, or the one "
    "met first in the sequence? Does max compare (count, pair) tuples?",
    "the last pair in the sequence": "Among equally frequent pairs, which wins: the last one "
    "you met, or the first? Does your loop replace the best pair on >= instead of >?",
    "the pair holding the newest id": "Among equally frequent pairs, which wins: the one "
    "holding the newest token, or the one met first in the sequence?",
}


def train_by_hand(text: str, vocab_size: int, tie_rule) -> list:
    """Independent trainer: the merges, as a list of (pair, id), with the given tie rule."""
    ids, merges = list(text.encode("utf-8")), []
    for new_id in range(256, vocab_size):
        if len(ids) < 2:
            break
        counts = Counter(itertools.pairwise(ids))
        best = max(counts.values())
        pair = tie_rule([p for p in dict.fromkeys(itertools.pairwise(ids)) if counts[p] == best])
        ids = merge_by_hand(ids, pair, new_id)
        merges.append((pair, new_id))
    return merges


COUNT_HINT = (
    "How many merges does vocab_size allow: vocab_size - 256 (the bytes are the first 256 "
    "ids)? Where does your range of new ids stop?"
)


def name_the_training_mistake(got: list, text: str, vocab_size: int) -> None:
    """Raise Mistake when ``got`` (the merges, in order) has a wrong count or tie rule."""
    right = train_by_hand(text, vocab_size, TIE_RULES["the first pair in the sequence (right)"])
    if len(got) == len(right) + 1 and got[:-1] == right:
        raise Mistake(
            f"train({text!r}, {vocab_size}): {len(got)} merges, one more than vocab_size - 256",
            hint=COUNT_HINT,
        )
    if len(got) == len(right) - 1 and got == right[:-1]:
        raise Mistake(
            f"train({text!r}, {vocab_size}): {len(got)} merges, one fewer than expected",
            hint=COUNT_HINT,
        )
    wrong = {}
    for rule, hint in TIE_HINTS.items():
        merges = train_by_hand(text, vocab_size, TIE_RULES[rule])
        if merges != right:  # on some texts a wrong rule happens to pick the right pairs
            wrong[f"a tie went to {rule} instead of the first one in the sequence"] = (merges, hint)
    name_the_mistake(got, wrong, what=f"train({text!r}, {vocab_size}): merges {got}")


def trained_as_by_hand(module, text: str, vocab_size: int):
    """The attempt trained on ``text``; Mistake (pointing at train) if its merges are wrong.

    For the encode tests: when training is wrong, the learner should fix training first.
    """
    tokenizer = train(module, text, vocab_size)
    got = list(tokenizer.merges.items())
    right = train_by_hand(text, vocab_size, TIE_RULES["the first pair in the sequence (right)"])
    if got != right:
        raise Mistake(
            f"train({text!r}, {vocab_size}) made the merges {got[:6]}..., expected "
            f"{right[:6]}...: this test checks encode on those merges",
            hint="Your training makes other merges than these by hand: do the training tests "
            "pass? Fix train first, then encode.",
        )
    return tokenizer


def train(module, text: str = CORPUS, vocab_size: int = 320):
    tokenizer = module.BPETokenizer()
    tokenizer.train(text, vocab_size)
    return tokenizer


# ---------------------------------------------------------------- get_pair_counts


@pytest.mark.grade(
    points=1,
    hint="Which neighbouring pairs does zip(ids, ids[1:]) give, and how often is each one there?",
    task="get_pair_counts",
)
def test_pair_counts_match_a_hand_count_in_order_of_first_occurrence(bpe):
    # [1, 2, 3, 1, 2]: pairs (1,2) (2,3) (3,1) (1,2) -> (1,2) twice, first seen first
    got = bpe.get_pair_counts([1, 2, 3, 1, 2])
    assert got == {(1, 2): 2, (2, 3): 1, (3, 1): 1}, f"got {got}"
    assert list(got) == [(1, 2), (2, 3), (3, 1)], (
        f"keys should be in order of first occurrence, got {list(got)}"
    )


@pytest.mark.grade(
    points=1,
    hint="How many pairs does a list of n ids have when n is 0 or 1, and do overlapping pairs "
    "count?",
    task="get_pair_counts",
)
@pytest.mark.parametrize(
    "ids, expected",
    [
        ([], {}),  # no pair at all
        ([5], {}),  # one id: still no pair
        ([7, 7, 7], {(7, 7): 2}),  # overlapping positions both count
        ([1, 2, 1, 2, 1], {(1, 2): 2, (2, 1): 2}),  # alternating
    ],
    ids=["empty", "single", "overlapping", "alternating"],
)
def test_pair_counts_handle_edge_cases(bpe, ids, expected):
    got = bpe.get_pair_counts(ids)
    assert got == expected, f"get_pair_counts({ids}): expected {expected}, got {got}"


@pytest.mark.grade(
    points=1,
    hint="A plain dict keeps insertion order; does yours insert pairs as you meet them?",
    task="get_pair_counts",
)
def test_pair_counts_agree_with_a_counter_on_random_ids(bpe, rng):
    for _ in range(20):
        ids = rng.integers(0, 6, size=int(rng.integers(0, 60))).tolist()
        pairs = list(itertools.pairwise(ids))
        expected = Counter(pairs)
        first_seen = list(dict.fromkeys(pairs))
        got = bpe.get_pair_counts(ids)
        assert dict(got) == dict(expected), f"get_pair_counts({ids}) = {got}"
        assert list(got) == first_seen, f"key order of get_pair_counts({ids}): {list(got)}"


# ---------------------------------------------------------------- merge_pair


@pytest.mark.grade(
    points=1,
    hint="After replacing a pair, where should the scan continue: one or two places on?",
    task="merge_pair",
)
@pytest.mark.parametrize(
    "ids, pair, expected",
    [
        ([1, 2, 3, 1, 2], (1, 2), [9, 3, 9]),  # two occurrences
        ([5, 5, 5], (5, 5), [9, 5]),  # no overlap: the third 5 stays
        ([5, 5, 5, 5], (5, 5), [9, 9]),  # two disjoint occurrences
        ([3, 1, 2], (1, 2), [3, 9]),  # the pair at the very end
        ([1, 3, 2], (1, 2), [1, 3, 2]),  # not adjacent: nothing to do
        ([2, 1], (1, 2), [2, 1]),  # order matters: (2, 1) is not (1, 2)
        ([1], (1, 2), [1]),  # a lone first element
        ([], (1, 2), []),  # empty
    ],
    ids=["two", "no-overlap", "four-same", "at-end", "not-adjacent", "reversed", "single", "empty"],
)
def test_merge_pair_replaces_non_overlapping_occurrences_left_to_right(bpe, ids, pair, expected):
    got = bpe.merge_pair(list(ids), pair, 9)
    assert got == expected, f"merge_pair({ids}, {pair}, 9): expected {expected}, got {got}"


@pytest.mark.grade(
    points=1,
    hint="Do you delete from (or assign into) the caller's list instead of building a new one?",
    task="merge_pair",
)
def test_merge_pair_does_not_modify_its_input(bpe):
    ids = [1, 2, 3, 1, 2]
    bpe.merge_pair(ids, (1, 2), 9)
    assert ids == [1, 2, 3, 1, 2], f"merge_pair changed its input list to {ids}"


@pytest.mark.grade(
    points=1,
    hint="When the pair does not occur, do you return the input list itself instead of a new one?",
    task="merge_pair",
)
@pytest.mark.parametrize(
    "ids, pair",
    [
        ([1, 2, 3], (3, 1)),  # the pair does not occur: still a new list
        ([1, 2, 3], (1, 2)),  # it occurs
        ([], (1, 2)),  # empty input: a new empty list
    ],
    ids=["absent", "present", "empty"],
)
def test_merge_pair_always_returns_a_new_list(bpe, attempt_worker, ids, pair):
    # identity can only be seen in the attempt's own process (what crosses is a copy)
    returned = attempt_worker.drive("calls", "returns_an_argument", bpe.merge_pair, [ids, pair, 9])
    assert 0 not in returned, (
        f"merge_pair({ids}, {pair}, 9) returned its input list itself; the docstring "
        "promises a new list (the caller may change one without the other)"
    )


@pytest.mark.grade(
    points=1,
    hint="If you expand every new id back into the pair, do you get the input again, and is no "
    "occurrence left?",
    task="merge_pair",
)
def test_merge_pair_is_undone_by_expanding_the_new_id(bpe, rng):
    for _ in range(30):
        ids = rng.integers(0, 3, size=int(rng.integers(0, 40))).tolist()
        pair = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        got = bpe.merge_pair(list(ids), pair, 7)
        expanded = [x for t in got for x in (pair if t == 7 else (t,))]
        assert expanded == ids, f"merge_pair({ids}, {pair}, 7) = {got} loses or adds ids"
        assert pair not in itertools.pairwise(got), (
            f"merge_pair({ids}, {pair}, 7) = {got} missed one"
        )


# ---------------------------------------------------------------- training


@pytest.mark.grade(
    points=3,
    hint="Work 'aaabdaaabac' out on paper; which pair wins the tie at the second step?",
    task="BPETokenizer",
)
def test_training_on_aaabdaaabac_makes_the_hand_worked_merges(bpe):
    """a=97 b=98 c=99 d=100.

    a a a b d a a a b a c      (a,a) x4                      -> 256 "aa"
    256 a b d 256 a b a c      (256,a) x2 ties (a,b) x2; (256,a) comes first -> 257 "aaa"
    257 b d 257 b a c          (257,b) x2                    -> 258 "aaab"
    258 d 258 a c              every pair x1: the first wins -> 259 "aaabd"
    259 258 a c                                              -> 260 "aaabdaaab"
    260 a c                                                  -> 261 "aaabdaaaba"
    261 c                                                    -> 262 "aaabdaaabac"
    262                        one token left: stop, although vocab_size=300 asks for more
    """
    tokenizer = train(bpe, "aaabdaaabac", 300)
    name_the_training_mistake(list(tokenizer.merges.items()), "aaabdaaabac", 300)
    expected = [
        ((A, A), 256),
        ((256, A), 257),
        ((257, B), 258),
        ((258, D), 259),
        ((259, 258), 260),
        ((260, A), 261),
        ((261, C), 262),
    ]
    assert list(tokenizer.merges.items()) == expected, (
        f"merges: expected {expected}, got {list(tokenizer.merges.items())}"
    )
    assert tokenizer.vocab[257] == b"aaa" and tokenizer.vocab[262] == b"aaabdaaabac", (
        f"vocab[257] = {tokenizer.vocab.get(257)!r}, vocab[262] = {tokenizer.vocab.get(262)!r}"
    )
    assert len(tokenizer.vocab) == 263, f"expected 256 bytes + 7 merges, got {len(tokenizer.vocab)}"


@pytest.mark.grade(
    points=2,
    hint="Among equally frequent pairs, which wins: the one met first in the sequence, or the "
    "smallest, largest or last?",
    task="BPETokenizer",
)
@pytest.mark.parametrize(
    "text, vocab_size, expected",
    [
        # (b,c) (c,a) (a,b) once each: (b,c) is first, though (a,b) is smaller;
        # then [256, a, b]: (256,a) before (a,b); then [257, b].
        ("bcab", 259, [((B, C), 256), ((256, A), 257), ((257, B), 258)]),
        # (a,a) (a,b) (b,b) (b,a) once each: (a,a) is first; then [256, b, b, a]:
        # (256,b) is first, though (b,a) is smaller and (b,b) holds no new id.
        ("aabba", 258, [((A, A), 256), ((256, B), 257)]),
    ],
    ids=["bcab", "aabba"],
)
def test_a_tie_goes_to_the_pair_that_occurs_first(bpe, text, vocab_size, expected):
    got = list(train(bpe, text, vocab_size).merges.items())
    right = train_by_hand(text, vocab_size, TIE_RULES["the first pair in the sequence (right)"])
    assert right == expected, f"the test's own trainer disagrees: {right}"
    name_the_training_mistake(got, text, vocab_size)
    assert got == expected, f"train({text!r}, {vocab_size}): expected {expected}, got {got}"


@pytest.mark.grade(
    points=1,
    hint="Does train return the tokenizer itself, so that BPETokenizer().train(...) can be kept?",
    task="BPETokenizer",
)
def test_train_returns_the_tokenizer_itself(bpe):
    tokenizer = bpe.BPETokenizer()
    returned = tokenizer.train("aaabdaaabac", 257)
    assert returned is tokenizer, f"train should return self, got {returned!r}"[:200]


@pytest.mark.grade(
    points=1,
    hint="What is left in merges and vocab from the first call when you train a second time?",
    task="BPETokenizer",
)
def test_a_second_train_starts_afresh(bpe):
    # compared with the attempt's own fresh training, so only the leftovers count here
    fresh = train(bpe, "bcab", 259)
    tokenizer = bpe.BPETokenizer()
    tokenizer.train("aaabdaaabac", 300)
    tokenizer.train("bcab", 259)
    got, expected = list(tokenizer.merges.items()), list(fresh.merges.items())
    assert got == expected, (
        f"after train('aaabdaaabac', 300) then train('bcab', 259), merges are {got}; a fresh "
        f"tokenizer trained on 'bcab' has {expected}: are the first call's merges kept?"
    )
    extra = sorted(set(tokenizer.vocab) - set(fresh.vocab))
    assert not extra and tokenizer.vocab == fresh.vocab, (
        f"after a second train, vocab differs from a fresh tokenizer's (ids left over: {extra}): "
        "are the first call's tokens left in vocab?"
    )


@pytest.mark.grade(
    points=1,
    hint="Can a vocabulary be smaller than the 256 byte values? What do you raise then?",
    task="BPETokenizer",
)
@pytest.mark.parametrize("vocab_size", [255, 0, -1], ids=["255", "zero", "negative"])
def test_training_rejects_a_vocab_size_below_256(bpe, vocab_size):
    with expect_error(ValueError, f"for vocab_size={vocab_size}"):
        bpe.BPETokenizer().train("hello", vocab_size)


@pytest.mark.grade(
    points=1,
    hint="What should happen when one token (or none) is left, or vocab_size is exactly 256?",
    task="BPETokenizer",
)
@pytest.mark.parametrize(
    "text, vocab_size, expected",
    [
        ("", 300, []),  # nothing to count
        ("a", 300, []),  # one byte: no pair
        ("aa", 1000, [((A, A), 256)]),  # one merge, then a single token
        ("hello", 256, []),  # 256 means: bytes only, no merge
        ("机", 300, [((0xE6, 0x9C), 256), ((256, 0xBA), 257)]),  # 3 UTF-8 bytes -> 2 merges
    ],
    ids=["empty", "one-byte", "one-merge", "vocab-256", "one-cjk-char"],
)
def test_training_stops_early_and_accepts_256(bpe, text, vocab_size, expected):
    tokenizer = train(bpe, text, vocab_size)
    got = list(tokenizer.merges.items())
    name_the_training_mistake(got, text, vocab_size)
    assert got == expected, f"train({text!r}, {vocab_size}): expected merges {expected}, got {got}"
    assert len(tokenizer.vocab) == 256 + len(expected), f"vocab has {len(tokenizer.vocab)} ids"


@pytest.mark.grade(
    points=1,
    hint="Is vocab[new_id] the two tokens' bytes joined, and do ids 0-255 stay single bytes?",
    task="BPETokenizer",
)
def test_vocab_holds_every_byte_and_the_bytes_of_every_merge(bpe):
    tokenizer = train(bpe, CORPUS, 320)
    # read once: each read copies the whole dict across
    merges, vocab = tokenizer.merges, tokenizer.vocab
    if len(merges) != 64:
        raise Mistake(f"train(CORPUS, 320): {len(merges)} merges, expected 64", hint=COUNT_HINT)
    for i in range(256):
        assert vocab[i] == bytes([i]), f"vocab[{i}] = {vocab[i]!r}"
    for (first, second), new_id in merges.items():
        assert vocab[new_id] == vocab[first] + vocab[second], (
            f"vocab[{new_id}] should be vocab[{first}] + vocab[{second}]"
        )
    assert sorted(merges.values()) == list(range(256, 320)), "ids are not 256, 257, ..."


@pytest.mark.grade(
    points=2,
    hint="Compare your merges with the reference's on a small text; where do they first differ?",
    task="BPETokenizer",
)
def test_training_matches_the_reference_on_random_text(
    bpe, ref, rng, attempt_worker, reference_worker
):
    for _ in range(12):
        text = repetitive_text(rng, int(rng.integers(0, 120)))
        vocab_size = int(rng.integers(256, 320))
        # train(module, text, vocab_size).merges, in each worker: one round trip
        got = list(attempt_worker.drive("day33", "trained_merges", text, vocab_size).items())
        expected = list(reference_worker.drive("day33", "trained_merges", text, vocab_size).items())
        assert got == expected, (
            f"train({text!r}, {vocab_size}): merges differ from the reference's: "
            f"{got[:8]}... vs {expected[:8]}..."
        )


# ---------------------------------------------------------------- encode / decode


@pytest.mark.grade(
    points=2,
    hint="Which pair do you merge first: the one with the lowest merge id? And when do you stop?",
    task="BPETokenizer",
)
def test_encode_replays_the_hand_worked_merges(bpe):
    # Three merges of "aaabdaaabac": 256 = aa, 257 = (256, a), 258 = (257, b).
    tokenizer = trained_as_by_hand(bpe, "aaabdaaabac", 259)
    cases = {
        "aaabdaaabac": [258, D, 258, A, C],
        "aaab": [258],  # a a a b -> 256 a b -> 257 b -> 258
        "baaa": [B, 257],  # b a a a -> b 256 a -> b 257
        "aab": [256, B],  # 256 b: (256, b) is no merge
        "": [],
    }
    for text, expected in cases.items():
        got = tokenizer.encode(text)
        assert got == expected, f"encode({text!r}): expected {expected}, got {got}"
    untrained = bpe.BPETokenizer().encode("hé")  # é is C3 A9 in UTF-8
    assert untrained == [104, 195, 169], f"untrained encode('hé') = {untrained}"


@pytest.mark.grade(
    points=2,
    hint="When two merges compete for the same token, which goes first: the lower merge id or "
    "the pair that is more frequent in this text?",
    task="BPETokenizer",
)
def test_encode_merges_by_merge_id_not_by_frequency_in_the_text(bpe):
    """train("abaaa", 258): (a,a) x2 -> 256; then a b 256 a, all x1: (a,b) first -> 257.

    encode("aabab"): (a,a) has the lower id, so it goes first although (a,b) occurs twice:
    a a b a b -> 256 b a b -> 256 b 257.  Most frequent first would give a 257 257.
    """
    tokenizer = trained_as_by_hand(bpe, "abaaa", 258)  # [((a, a), 256), ((a, b), 257)]
    got = tokenizer.encode("aabab")
    name_the_mistake(
        got,
        {
            "the most frequent pair was merged first, not the one with the lowest merge id": (
                [A, 257, 257],
                "Is encode picking the most frequent pair of the text? Training's order "
                "(the lowest merge id first) is what encode must replay.",
            )
        },
        what=f"encode('aabab') = {got}",
    )
    assert got == [256, B, 257], f"encode('aabab'): expected [256, 98, 257], got {got}"


@pytest.mark.grade(
    points=2,
    hint="A later merge may build on an earlier merge's token: do you apply them in creation "
    "order?",
    task="BPETokenizer",
)
def test_encode_equals_applying_every_merge_in_creation_order(bpe, rng):
    tokenizer = train(bpe, CORPUS, 320)
    texts = [CORPUS[:200], "learning 机器学习 🙂🙂 café"]
    texts += [CORPUS[int(s) : int(s) + 60] for s in rng.integers(0, len(CORPUS) - 60, size=10)]
    for text in texts:
        got = tokenizer.encode(text)
        expected = apply_merges_in_order(text, tokenizer.merges)
        assert got == expected, f"encode({text!r}) = {got[:12]}..., expected {expected[:12]}..."


@pytest.mark.grade(
    points=1,
    hint="Where does your encoding of a random text first differ from the reference's?",
    task="BPETokenizer",
)
def test_encode_matches_the_reference_on_random_text(bpe, ref, rng):
    corpus = repetitive_text(rng, 300)
    mine, theirs = train(bpe, corpus, 300), train(ref, corpus, 300)
    for _ in range(10):
        text = corpus[int(rng.integers(0, 250)) :][:50] + random_text(rng, 5)
        assert mine.encode(text) == theirs.encode(text), f"encode({text!r}) differs"


@pytest.mark.grade(
    points=1,
    hint="Do you join the bytes of every id first and decode the whole byte string once?",
    task="BPETokenizer",
)
@pytest.mark.parametrize("name", list(ROUND_TRIP), ids=list(ROUND_TRIP))
def test_decode_inverts_encode(bpe, name):
    text = ROUND_TRIP[name]
    tokenizer = train(bpe, CORPUS, 320)
    ids = tokenizer.encode(text)
    assert tokenizer.decode(ids) == text, f"decode(encode({text!r})) = {tokenizer.decode(ids)!r}"


@pytest.mark.grade(
    points=2,
    hint="Byte-level BPE can encode any string; do you decode all ids together?",
    task="BPETokenizer",
)
def test_decode_inverts_encode_on_random_unicode_strings(bpe, rng, attempt_worker):
    tokenizer = train(bpe, CORPUS + repetitive_text(rng, 200), 330)
    texts = [random_text(rng, int(rng.integers(0, 30))) for _ in range(150)]
    # all round trips in the worker at once; it stops before one that raises, which is made
    # again here so that its error is the one reported, after the earlier texts are checked
    backs = attempt_worker.drive("day33", "round_trips", tokenizer, texts)
    for i, text in enumerate(texts):
        back = backs[i] if i < len(backs) else tokenizer.decode(tokenizer.encode(text))
        assert back == text, f"decode(encode({text!r})) = {back!r}"


@pytest.mark.grade(
    points=1,
    hint="What does bytes.decode('utf-8') do with half a character, and which errors= turns it "
    "into U+FFFD?",
    task="BPETokenizer",
)
def test_decode_replaces_an_incomplete_character(bpe):
    tokenizer = bpe.BPETokenizer()
    # 机 is E6 9C BA in UTF-8: its first byte alone is not a character
    assert tokenizer.decode([0xE6]) == "\ufffd", f"decode([0xE6]) = {tokenizer.decode([0xE6])!r}"
    assert tokenizer.decode([104, 195, 169]) == "hé"
    assert tokenizer.decode([]) == ""


@pytest.mark.grade(
    points=1,
    hint="What does your decode raise for an id that is not in vocab: a KeyError or IndexError, "
    "or the ValueError promised?",
    task="BPETokenizer",
)
@pytest.mark.parametrize("bad", [263, 1000, -1], ids=["next-id", "large", "negative"])
def test_decode_rejects_an_unknown_id(bpe, bad):
    tokenizer = train(bpe, "aaabdaaabac", 300)  # ids 0..262
    with expect_error(ValueError, f"for the unknown id {bad}"):
        tokenizer.decode([A, bad])


# ---------------------------------------------------------------- save / load


@pytest.mark.grade(
    points=2,
    hint="Some tokens are half a character: do their bytes survive your file? Could you save the "
    "merges as numbers, in order, and rebuild vocab from them?",
    task="BPETokenizer",
)
@pytest.mark.parametrize("as_str", [False, True], ids=["path", "str"])
def test_save_then_load_gives_back_the_same_tokenizer(bpe, shared_tmp_path, as_str):
    tokenizer = train(bpe, CORPUS, 320)
    path = shared_tmp_path / "tokenizer.json"
    tokenizer.save(str(path) if as_str else path)
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise AssertionError("save should write human-readable UTF-8 text") from None
    loaded = bpe.BPETokenizer.load(str(path) if as_str else path)
    assert list(loaded.merges.items()) == list(tokenizer.merges.items()), "merges differ"
    assert loaded.vocab == tokenizer.vocab, "vocab differs after save and load"
    for text in ROUND_TRIP.values():
        assert loaded.encode(text) == tokenizer.encode(text), f"encode({text!r}) differs"
        assert loaded.decode(loaded.encode(text)) == text


# ---------------------------------------------------------------- scaling
# Last in the file: the slowest tests, so a fail-fast run reaches the quick ones first.


@pytest.mark.grade(
    points=2,
    hint="Does each occurrence cost O(1)? Slice assignment, del or insert in the middle of a "
    "list moves every element after it, which makes the merge O(n²).",
    task="merge_pair",
    time_limit=30,  # a correct attempt needs about a second; a quadratic one several
)
def test_merge_pair_takes_linear_time(bpe, ref, attempt_worker, reference_worker):
    # every position starts an occurrence: the worst case for a merge that shifts the list.
    # merge_pair([1, 2] * repeats, (1, 2), 9) runs in the worker, which makes the list itself
    # (sent across, it would be rebuilt there inside the timing) and keeps the result
    inputs = (8_192, 32_768)
    assert_grows_like_the_reference(
        lambda repeats: attempt_worker.drive("day33", "merge_repeated_pair", repeats),
        lambda repeats: reference_worker.drive("day33", "merge_repeated_pair", repeats),
        inputs,
        allowed=2.0,
        what="merge_pair on [1, 2] * n/2 with the pair (1, 2)",
        advice="Does each occurrence cost O(1)? Slice assignment, del or insert in the middle "
        "of a list moves every element after it: append to a new list instead.",
    )


@pytest.mark.grade(
    points=2,
    hint="Does each merge step cost O(n)? Slice assignment, del or insert in the middle of a "
    "list moves every element after it, which makes a step O(n²).",
    task="BPETokenizer",
    time_limit=30,  # a correct attempt needs about a second; a quadratic one several
)
def test_training_time_grows_linearly_with_the_text(bpe, ref, attempt_worker, reference_worker):
    # "abab...": the first step merges n/2 pairs, the next n/4, ... until one token is left.
    # BPETokenizer().train("ab" * repeats, 300) runs in the worker, which makes the text itself
    inputs = (8_192, 32_768)
    assert_grows_like_the_reference(
        lambda repeats: attempt_worker.drive("day33", "train_on_repeated_text", "ab", repeats, 300),
        lambda repeats: reference_worker.drive(
            "day33", "train_on_repeated_text", "ab", repeats, 300
        ),
        inputs,
        allowed=2.0,
        what="training on 'ab' * n/2 until one token is left",
        advice="Does each merge step cost O(n)? Slice assignment, del or insert in the middle "
        "of a list moves every element after it: build a new list in one pass instead.",
    )


def scaling_corpus(n_bytes: int = 50_000) -> str:
    """~50 KB of deterministic made-up words (Zipf frequencies), some accented, CJK or emoji."""
    rng = np.random.default_rng(33)  # fixed: the same text on every run
    pieces = ["ka", "to", "re", "mi", "sun", "lo", "ve", "an", "th", "ing", "er", "qu"]
    pieces += ["é", "ö", "机器", "学习", "🙂"]
    lexicon = ["".join(rng.choice(pieces, size=rng.integers(1, 4))) for _ in range(300)]
    weights = 1.0 / np.arange(1, len(lexicon) + 1) ** 1.5
    words = rng.choice(lexicon, size=n_bytes // 3, p=weights / weights.sum())
    return " ".join(words).encode("utf-8")[:n_bytes].decode("utf-8", errors="ignore")


@pytest.mark.grade(
    points=2,
    hint="Does each merge step cost one pass over the ids? Re-encoding the text, slicing or "
    "deleting inside the loop makes a step much slower.",
    task="BPETokenizer",
    time_limit=25,  # a correct attempt needs under a second; re-encoding never finishes
)
def test_training_50_kb_to_512_tokens_is_not_much_slower_than_the_reference(bpe, ref):
    text = scaling_corpus()
    assert_not_much_slower(
        lambda: bpe.BPETokenizer().train(text, 512),
        lambda: ref.BPETokenizer().train(text, 512),
        factor=20,
        what="training on 50 KB of text to vocab_size=512",
        repeats=1,
        advice="each merge step should be one pass over the ids, not a re-encoding",
    )
