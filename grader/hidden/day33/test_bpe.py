"""Hidden tests for exercises/day33/bpe.py."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from grader.testing import assert_not_much_slower, attempt_module, expect_error, reference_module

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


def apply_merges_in_order(text: str, merges: dict) -> list[int]:
    """Independent encoder: apply every merge, in creation (= id) order, to the whole sequence."""
    ids = list(text.encode("utf-8"))
    for (first, second), new_id in sorted(merges.items(), key=lambda item: item[1]):
        out, i = [], 0
        while i < len(ids):
            if i + 1 < len(ids) and (ids[i], ids[i + 1]) == (first, second):
                out.append(new_id)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


def train(module, text: str = CORPUS, vocab_size: int = 320):
    tokenizer = module.BPETokenizer()
    tokenizer.train(text, vocab_size)
    return tokenizer


# ---------------------------------------------------------------- get_pair_counts


@pytest.mark.grade(
    points=1, hint="Walk over neighbours: zip(ids, ids[1:]).", task="get_pair_counts"
)
def test_pair_counts_match_a_hand_count_in_order_of_first_occurrence(bpe):
    # [1, 2, 3, 1, 2]: pairs (1,2) (2,3) (3,1) (1,2) -> (1,2) twice, first seen first
    got = bpe.get_pair_counts([1, 2, 3, 1, 2])
    assert got == {(1, 2): 2, (2, 3): 1, (3, 1): 1}, f"got {got}"
    assert list(got) == [(1, 2), (2, 3), (3, 1)], (
        f"keys should be in order of first occurrence, got {list(got)}"
    )


@pytest.mark.grade(
    points=1, hint="How many pairs does a list of n ids have?", task="get_pair_counts"
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
    points=1, hint="Build a new list instead of deleting from the input.", task="merge_pair"
)
def test_merge_pair_does_not_modify_its_input(bpe):
    ids = [1, 2, 3, 1, 2]
    bpe.merge_pair(ids, (1, 2), 9)
    assert ids == [1, 2, 3, 1, 2], f"merge_pair changed its input list to {ids}"


@pytest.mark.grade(
    points=1,
    hint="Expanding every new id back into the pair should give the input again.",
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
    hint="Among equally frequent pairs, the one met first in the sequence wins: not the smallest.",
    task="BPETokenizer",
)
def test_a_tie_goes_to_the_pair_that_occurs_first(bpe):
    # "bcab": (b,c) (c,a) (a,b) once each -> (b,c) is first, though (a,b) is smaller;
    # then [256, a, b]: (256,a) before (a,b); then [257, b].
    tokenizer = train(bpe, "bcab", 259)
    expected = [((B, C), 256), ((256, A), 257), ((257, B), 258)]
    assert list(tokenizer.merges.items()) == expected, (
        f"expected {expected}, got {list(tokenizer.merges.items())}"
    )


@pytest.mark.grade(
    points=1, hint="A vocabulary smaller than the 256 bytes cannot exist.", task="BPETokenizer"
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
    assert got == expected, f"train({text!r}, {vocab_size}): expected merges {expected}, got {got}"
    assert len(tokenizer.vocab) == 256 + len(expected), f"vocab has {len(tokenizer.vocab)} ids"


@pytest.mark.grade(
    points=1,
    hint="vocab[new_id] is the concatenation of the two tokens' bytes.",
    task="BPETokenizer",
)
def test_vocab_holds_every_byte_and_the_bytes_of_every_merge(bpe):
    tokenizer = train(bpe, CORPUS, 320)
    assert len(tokenizer.merges) == 64, f"expected 64 merges, got {len(tokenizer.merges)}"
    for i in range(256):
        assert tokenizer.vocab[i] == bytes([i]), f"vocab[{i}] = {tokenizer.vocab[i]!r}"
    for (first, second), new_id in tokenizer.merges.items():
        assert tokenizer.vocab[new_id] == tokenizer.vocab[first] + tokenizer.vocab[second], (
            f"vocab[{new_id}] should be vocab[{first}] + vocab[{second}]"
        )
    assert sorted(tokenizer.merges.values()) == list(range(256, 320)), "ids are not 256, 257, ..."


@pytest.mark.grade(
    points=2,
    hint="Compare your merges with the reference's on a small text; where do they first differ?",
    task="BPETokenizer",
)
def test_training_matches_the_reference_on_random_text(bpe, ref, rng):
    for _ in range(12):
        text = repetitive_text(rng, int(rng.integers(0, 120)))
        vocab_size = int(rng.integers(256, 320))
        got = list(train(bpe, text, vocab_size).merges.items())
        expected = list(train(ref, text, vocab_size).merges.items())
        assert got == expected, (
            f"train({text!r}, {vocab_size}): merges differ from the reference's: "
            f"{got[:8]}... vs {expected[:8]}..."
        )


# ---------------------------------------------------------------- encode / decode


@pytest.mark.grade(
    points=2,
    hint="Merge the pair with the lowest merge id first, and stop when no pair has a merge.",
    task="BPETokenizer",
)
def test_encode_replays_the_hand_worked_merges(bpe):
    # Three merges of "aaabdaaabac": 256 = aa, 257 = (256, a), 258 = (257, b).
    tokenizer = train(bpe, "aaabdaaabac", 259)
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
    hint="A later merge may build on an earlier merge's token: apply them in creation order.",
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
    points=1, hint="Train and encode like the reference on random text.", task="BPETokenizer"
)
def test_encode_matches_the_reference_on_random_text(bpe, ref, rng):
    corpus = repetitive_text(rng, 300)
    mine, theirs = train(bpe, corpus, 300), train(ref, corpus, 300)
    for _ in range(10):
        text = corpus[int(rng.integers(0, 250)) :][:50] + random_text(rng, 5)
        assert mine.encode(text) == theirs.encode(text), f"encode({text!r}) differs"


@pytest.mark.grade(
    points=1,
    hint="Join the bytes of every id, then decode the whole byte string once.",
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
def test_decode_inverts_encode_on_random_unicode_strings(bpe, rng):
    tokenizer = train(bpe, CORPUS + repetitive_text(rng, 200), 330)
    for _ in range(150):
        text = random_text(rng, int(rng.integers(0, 30)))
        back = tokenizer.decode(tokenizer.encode(text))
        assert back == text, f"decode(encode({text!r})) = {back!r}"


@pytest.mark.grade(
    points=1,
    hint='bytes.decode("utf-8", errors="replace") turns a broken sequence into U+FFFD.',
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
    hint="Look the id up in vocab yourself and raise ValueError naming it.",
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
    hint="Save the merges in order as numbers and rebuild vocab from them: some tokens are "
    "half a character, so their bytes do not survive a trip through str.",
    task="BPETokenizer",
)
@pytest.mark.parametrize("as_str", [False, True], ids=["path", "str"])
def test_save_then_load_gives_back_the_same_tokenizer(bpe, tmp_path, as_str):
    tokenizer = train(bpe, CORPUS, 320)
    path = tmp_path / "tokenizer.json"
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
# Last in the file: the slowest test, so a fail-fast run reaches the quick ones first.


def scaling_corpus(n_bytes: int = 200_000) -> str:
    """~200 KB of deterministic made-up words (Zipf frequencies), some accented, CJK or emoji."""
    rng = np.random.default_rng(33)  # fixed: the same text on every run
    pieces = ["ka", "to", "re", "mi", "sun", "lo", "ve", "an", "th", "ing", "er", "qu"]
    pieces += ["é", "ö", "机器", "学习", "🙂"]
    lexicon = ["".join(rng.choice(pieces, size=rng.integers(1, 4))) for _ in range(300)]
    weights = 1.0 / np.arange(1, len(lexicon) + 1) ** 1.5
    words = rng.choice(lexicon, size=n_bytes // 3, p=weights / weights.sum())
    return " ".join(words).encode("utf-8")[:n_bytes].decode("utf-8", errors="ignore")


@pytest.mark.grade(
    points=2,
    hint="Each merge step should cost O(n): one pass to count, one pass to build a new list. "
    "Slicing or deleting inside the loop, or re-encoding from scratch each step, is O(n²).",
    task="BPETokenizer",
    time_limit=25,  # a correct attempt needs a few seconds; a quadratic one never finishes
)
def test_training_200_kb_to_512_tokens_is_not_much_slower_than_the_reference(bpe, ref):
    text = scaling_corpus()
    assert_not_much_slower(
        lambda: bpe.BPETokenizer().train(text, 512),
        lambda: ref.BPETokenizer().train(text, 512),
        factor=20,
        what="training on 200 KB of text to vocab_size=512",
        repeats=1,
        advice="each merge step should be one pass over the ids, not a re-encoding",
    )
