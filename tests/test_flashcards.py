"""Flashcards: the forgiving card format, the Leitner schedule, and whole review sessions."""

from __future__ import annotations

import argparse
import io
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from grader.catalog import EXERCISES_ROOT
from grader.display import make_console
from grader.errors import UsageError
from grader.flashcards import (
    CardState,
    Grade,
    add_parser,
    card_id,
    command_flashcards,
    load_cards,
    next_due,
    parse_cards,
    parse_day,
    parse_grade,
    queue,
    read_schedule,
    review,
)
from grader.flashcards.cards import DECK_PATH, read_cards, sprint_days
from grader.flashcards.render import reflow
from grader.flashcards.schedule import INTERVALS, SCHEDULE_NAME
from tests.stubs_lock import skip_if_learner_work

TODAY = date(2026, 12, 1)
LEARNER_MARKUP = "Why [bold]markup[/bold] stays text?"
LEARNER = """\
# My cards

Q: What is the capital of France? #day31
A: Paris.

Q: Two plus two? #day31
A: Four,
   written as 4.

Q: Why [bold]markup[/bold] stays text? #day31
A: Cards are printed as Text.
"""


def parse(text: str) -> tuple[list, list[str]]:
    return parse_cards(text, "my.md")


def console() -> tuple:
    stream = io.StringIO()
    return make_console(stream, width=80), stream


def text_of(stream: io.StringIO) -> str:
    """The rendered output with trailing spaces (from rich's grid padding) removed."""
    return "\n".join(line.rstrip() for line in stream.getvalue().splitlines())


# ---------------------------------------------------------------- the card format


def test_a_card_has_its_question_answer_day_line_and_a_stable_id():
    (card,), warnings = parse("intro text is ignored\n\nQ: What is F1? #day31\nA: 2tp/(2tp+fp+fn)")
    assert warnings == []
    assert (card.question, card.answer, card.day, card.line) == (
        "What is F1?",
        "2tp/(2tp+fp+fn)",
        31,
        3,
    )
    assert card.id == card_id("What is F1?") and len(card.id) == 12


def test_an_answer_runs_until_a_blank_line_or_the_next_q():
    text = "Q: one\nA: first line\n  second line\nQ: two\nA: 2\n\nthis prose is ignored\n"
    (one, two), warnings = parse(text)
    assert warnings == []
    assert one.answer == "first line\nsecond line", "continuation lines are dedented"
    assert two.answer == "2"


def test_a_question_may_run_over_lines_and_wait_for_its_answer_across_a_blank():
    (card,), warnings = parse("Q: a long\nquestion #day33\n\nA: yes")
    assert (card.question, card.day, warnings) == ("a long question", 33, [])


@pytest.mark.parametrize(
    "text",
    [
        "q: Q?\na: A.",  # lower case
        "Q : Q?\nA :  A.",  # spaces around the colon
        "Q: Q?\r\nA: A.\r\n",  # CRLF (Windows)
        "\ufeffQ: Q?\nA: A.",  # a BOM at the start
        "**Q:** Q?\n**A:** A.",  # bold markers
        "- Q: Q?\n- A: A.",  # a markdown list
        "Q：Q?\nA：A.",  # a full-width colon (Chinese input methods)
    ],
    ids=["lower case", "spaces", "crlf", "bom", "bold", "list", "full-width colon"],
)
def test_the_format_is_forgiving(text):
    (card,), warnings = parse(text)
    assert (card.question, card.answer, warnings) == ("Q?", "A.", [])


def test_headings_and_html_comments_are_ignored_and_line_numbers_stay_true():
    text = (
        "# Title\n<!-- Q: not a card\nA: nor this -->\n## Day 34\nQ: real #day34\nA: yes\nQ: lost"
    )
    (card,), warnings = parse(text)
    assert (card.question, card.line) == ("real", 5)
    assert warnings == ["my.md line 7: this Q: has no A: line after it; the card was skipped"]


@pytest.mark.parametrize(
    "text, warning",
    [
        ("A: orphan\nstill orphan\n\nQ: ok\nA: ok", "line 1: this A: has no Q: before it"),
        ("Q: forgotten\nQ: ok\nA: ok", "line 1: this Q: has no A: line after it"),
        ("Q: ok\nA: ok\n\nQ: last", "line 4: this Q: has no A: line after it"),
        ("Q: cut by a heading\n## Next\nQ: ok\nA: ok", "line 1: this Q: has no A:"),
        ("Q: ok\nA: ok\nA: extra", "line 3: a second A: for the Q: on line 1"),
        ("Q: empty answer\nA:\n\nQ: ok\nA: ok", "line 1: this card's A: is empty"),
        ("Q: #day31\nA: no question\nQ: ok\nA: ok", "line 1: this Q: has no question text"),
        ("Q: ok\nA: ok\n\nq:  OK #day32\nA: again", "line 4: the same question as line 1"),
        ("Q: ok #day12\nA: ok", "line 1: #day12 is not a day of this sprint"),
        ("Q: ok\nA: ok\n<!-- never closed\nQ: x\nA: y", "line 3: this HTML comment is never"),
    ],
    ids=[
        "A without Q",
        "Q followed by Q",
        "Q at the end",
        "Q cut by a heading",
        "second A",
        "empty answer",
        "empty question",
        "duplicate question",
        "day outside the sprint",
        "unclosed comment",
    ],
)
def test_a_malformed_block_is_skipped_with_a_warning_naming_its_line(text, warning):
    cards, warnings = parse(text)
    assert [c.question for c in cards] == ["ok"], "the good card survives"
    assert len(warnings) == 1 and f"my.md {warning}" in warnings[0], warnings


def test_the_id_ignores_case_spacing_and_tag_but_not_the_wording():
    assert card_id("What is F1?") == card_id("  what IS   f1? #day31") == card_id("Ｗhat is F1?")
    assert card_id("What is F1?") != card_id("What is F2?")
    before, _ = parse("Q: What is F1? #day31\nA: old answer")
    after, _ = parse("Q: What is F1?\nA: a rewritten,\nlonger answer")
    assert before[0].id == after[0].id, "editing the answer keeps the schedule"


def test_reflow_joins_soft_wrapped_lines_but_keeps_list_items():
    assert reflow("a\nb\n- c\n2. d\ne") == "a b\n- c\n2. d e"


@pytest.mark.parametrize("text", ["day34", "34", "Day34", "#day34", " day34 "])
def test_a_day_is_named_several_ways(text):
    assert parse_day(text) == 34


@pytest.mark.parametrize("text", ["day41", "30", "banana", "day", ""])
def test_an_unknown_day_is_a_usage_error_naming_the_valid_days(text):
    with pytest.raises(UsageError, match="valid days are day31 to day40"):
        parse_day(text)


# ---------------------------------------------------------------- the decks


def test_the_built_in_deck_has_60_cards_covering_every_day_without_problems():
    cards, warnings = read_cards(DECK_PATH, "deck")
    assert warnings == [], "the deck parses cleanly (no duplicates, no empty sides)"
    assert len(cards) >= 60
    per_day = Counter(card.day for card in cards)
    assert set(per_day) == set(sprint_days()), "every card is tagged with a day of the sprint"
    assert min(per_day.values()) >= 5, per_day
    assert len({card.id for card in cards}) == len(cards), "no duplicate ids"
    assert all(card.answer.strip() and card.question.strip() for card in cards)


def test_the_learners_template_holds_two_example_cards():
    skip_if_learner_work("exercises/flashcards.md")
    cards, warnings = read_cards(EXERCISES_ROOT / "flashcards.md", "exercises/flashcards.md")
    assert warnings == [] and len(cards) == 2 and all(card.day in sprint_days() for card in cards)


def test_the_learners_cards_come_first_and_a_deck_question_counts_once(tmp_path):
    deck, _ = read_cards(DECK_PATH, "deck")
    mine = tmp_path / "mine.md"
    mine.write_text(f"Q: Mine\nA: yes\n\nQ: {deck[0].question}\nA: my own answer\n", "utf-8")
    cards, warnings = load_cards(mine, "mine.md")
    assert warnings == [] and len(cards) == len(deck) + 1
    assert [c.source for c in cards[:3]] == ["mine.md", "mine.md", "deck"]
    assert cards[1].answer == "my own answer"


def test_a_missing_or_unreadable_learner_file_never_stops_the_deck(tmp_path):
    cards, warnings = load_cards(tmp_path / "absent.md", "absent.md")
    assert warnings == [] and len(cards) >= 60
    (tmp_path / "bad.md").write_bytes(b"Q: \xff\xfe\nA: x")
    cards, warnings = load_cards(tmp_path / "bad.md", "bad.md")
    assert warnings == ["bad.md could not be read (it is not UTF-8 text); its cards were left out"]
    assert len(cards) >= 60


# ---------------------------------------------------------------- the schedule


def at(box: int, due: date = TODAY, reviews: int = 3, lapses: int = 0) -> CardState:
    return CardState(box=box, due=due, reviews=reviews, lapses=lapses, last_reviewed=None)


@pytest.mark.parametrize(
    "box, grade, new_box, days",
    [
        (None, Grade.AGAIN, 1, 0),  # a new card counts as box 1
        (None, Grade.HARD, 1, 0),
        (None, Grade.GOOD, 2, 1),
        (None, Grade.EASY, 3, 3),  # skips box 2
        (2, Grade.AGAIN, 1, 0),
        (2, Grade.HARD, 2, 1),  # half of 1 day is 0: at least 1 from box 2 up
        (2, Grade.GOOD, 3, 3),
        (2, Grade.EASY, 4, 7),
        (3, Grade.HARD, 3, 1),  # 3 // 2
        (4, Grade.HARD, 4, 3),  # 7 // 2
        (4, Grade.EASY, 5, 16),  # capped at box 5
        (5, Grade.HARD, 5, 8),
        (5, Grade.GOOD, 5, 16),
        (5, Grade.AGAIN, 1, 0),
    ],
)
def test_each_grade_moves_the_box_and_sets_the_due_date(box, grade, new_box, days):
    state = review(None if box is None else at(box), grade, TODAY)
    assert (state.box, state.due) == (new_box, TODAY + timedelta(days=days))
    assert state.last_reviewed == TODAY


def test_the_docstring_example_by_hand():
    """Box 3 on 2026-12-01: again 12-01, hard 12-02, good box 4 on 12-08, easy box 5 on 12-17."""
    got = {g: review(at(3), g, TODAY) for g in Grade}
    assert [(s.box, s.due.isoformat()) for s in got.values()] == [
        (1, "2026-12-01"),
        (3, "2026-12-02"),
        (4, "2026-12-08"),
        (5, "2026-12-17"),
    ]
    assert INTERVALS == (0, 1, 3, 7, 16)


def test_reviews_count_every_grade_and_lapses_count_falls_from_box_2_up():
    assert review(at(3, reviews=4, lapses=1), Grade.AGAIN, TODAY).lapses == 2
    assert review(at(1, lapses=1), Grade.AGAIN, TODAY).lapses == 1, "box 1 cannot fall"
    assert review(None, Grade.AGAIN, TODAY).lapses == 0
    assert review(at(2, reviews=4), Grade.GOOD, TODAY).reviews == 5


@pytest.mark.parametrize(
    "text, grade",
    [
        ("a", Grade.AGAIN),
        ("Again", Grade.AGAIN),
        ("1", Grade.AGAIN),
        (" h ", Grade.HARD),
        ("2", Grade.HARD),
        ("g", Grade.GOOD),
        ("GOOD", Grade.GOOD),
        ("3", Grade.GOOD),
        ("e", Grade.EASY),
        ("4", Grade.EASY),
        ("x", None),
        ("", None),
        ("5", None),
    ],
)
def test_grades_are_read_as_letters_words_or_numbers(text, grade):
    assert parse_grade(text) is grade


def test_a_state_survives_its_json_round_trip():
    state = CardState(box=4, due=TODAY, reviews=7, lapses=2, last_reviewed=TODAY)
    assert CardState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_the_queue_puts_the_most_overdue_and_lowest_box_first_then_new_cards():
    cards, _ = parse("\n\n".join(f"Q: q{i}\nA: a" for i in range(6)))
    ids = [c.id for c in cards]
    states = {
        ids[0]: at(2, TODAY),  # due today
        ids[1]: at(4, TODAY - timedelta(days=3)),  # the most overdue
        ids[2]: at(1, TODAY),  # due today, lower box than q0
        ids[3]: at(3, TODAY + timedelta(days=2)),  # not due yet
    }
    assert [c.question for c in queue(cards, states, TODAY, 20)] == ["q1", "q2", "q0", "q4", "q5"]
    assert [c.question for c in queue(cards, states, TODAY, 2)] == ["q1", "q2"]
    assert next_due(cards, states) == TODAY - timedelta(days=3)
    assert next_due(cards, {}) is None


# ---------------------------------------------------------------- sessions


@pytest.fixture
def learner(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the learner's file is shown relative to the current folder
    path = tmp_path / "flashcards.md"
    path.write_text(LEARNER, encoding="utf-8")
    return path


def run(tmp_path: Path, learner: Path, today: date = TODAY, ask=None, **options) -> tuple:
    """Run ``flashcards`` for day 31 with the learner's cards first; returns (status, text)."""
    values = {"day": "31", "count": 3, "answers": None, "cards": learner}
    values |= {"progress_dir": tmp_path / "progress"} | options
    out, stream = console()
    status = command_flashcards(argparse.Namespace(**values), console=out, today=today, ask=ask)
    return status, text_of(stream)


def stored(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "progress" / SCHEDULE_NAME).read_text(encoding="utf-8"))


def test_a_whole_session_driven_by_an_answers_file(tmp_path, learner):
    answers = tmp_path / "grades.txt"
    answers.write_text("# first session\ngood\n\ne\nA\n", encoding="utf-8")
    status, text = run(tmp_path, learner, answers=str(answers))
    assert status == 0
    assert text.startswith("Flashcards · day31: 0 due, 13 new; this session: 3 cards\n")
    assert "Card 2/3 · day31 · new · flashcards.md line 6\nQ: Two plus two?\n" in text
    assert "A: Four, written as 4.\n-> easy: box 3, next on 2026-12-04 (in 3 days)" in text
    assert "Q: Why [bold]markup[/bold] stays text?" in text, "card text is never markup"
    assert text.endswith(
        "Reviewed 3 cards: again 1, hard 0, good 1, easy 1. Next due: 2026-12-01 (today)."
    )
    data = stored(tmp_path)
    assert data["schema_version"] == 1
    questions = ("What is the capital of France?", "Two plus two?", LEARNER_MARKUP)
    france, four, markup = (card_id(q) for q in questions)
    assert data["cards"][france] == {
        "box": 2,
        "due": "2026-12-02",
        "reviews": 1,
        "lapses": 0,
        "last_reviewed": "2026-12-01",
    }
    assert (data["cards"][four]["box"], data["cards"][four]["due"]) == (3, "2026-12-04")
    assert (data["cards"][markup]["box"], data["cards"][markup]["due"]) == (1, "2026-12-01")

    # Two days later: France and the "again" card are due (oldest due first), then new cards.
    answers.write_text("g\ng\n", encoding="utf-8")
    status, text = run(tmp_path, learner, today=TODAY + timedelta(days=2), answers=str(answers))
    assert "0 due" not in text and ": 2 due, 10 new; this session: 3 cards" in text
    questions = [line for line in text.splitlines() if line.startswith("Q: ")]
    assert questions == [
        "Q: Why [bold]markup[/bold] stays text?",
        "Q: What is the capital of France?",
    ]
    assert "Stopped after 2 of 3 cards (saved): again 0, hard 0, good 2, easy 0." in text
    assert stored(tmp_path)["cards"][france]["reviews"] == 2


def test_answers_can_come_from_stdin(tmp_path, learner, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("3\n4\n2\n"))
    status, text = run(tmp_path, learner, answers="-")
    assert status == 0 and "Reviewed 3 cards: again 0, hard 1, good 1, easy 1." in text
    boxes = sorted(entry["box"] for entry in stored(tmp_path)["cards"].values())
    assert boxes == [1, 2, 3]


def test_when_nothing_is_due_it_says_when_the_next_card_is(tmp_path, learner):
    cards, _ = load_cards(learner, "x")
    day31 = sum(card.day == 31 for card in cards)
    answers = tmp_path / "all-good.txt"
    answers.write_text("good\n" * day31, encoding="utf-8")
    run(tmp_path, learner, answers=str(answers), count=100)
    status, text = run(tmp_path, learner, answers=str(answers), count=100)
    assert status == 0
    assert text == "Nothing is due for day31. The next card is due on 2026-12-02 (tomorrow)."


@pytest.mark.parametrize(
    "content, says, aside",
    [
        (
            '{"cards": {\n oops',
            "progress/flashcards.json is not valid JSON (line 2); it was "
            "moved to progress/flashcards.json.corrupt-",
            "flashcards.json.corrupt-*",
        ),
        (
            "[1, 2, 3]",
            "progress/flashcards.json did not look like a flashcard schedule; it was "
            "moved to progress/flashcards.json.invalid-",
            "flashcards.json.invalid-*",
        ),
    ],
    ids=["not JSON", "not a schedule"],
)
def test_a_corrupt_schedule_is_moved_aside_with_a_clear_message(
    tmp_path, learner, content, says, aside
):
    (tmp_path / "progress").mkdir()
    (tmp_path / "progress" / SCHEDULE_NAME).write_text(content, encoding="utf-8")
    answers = tmp_path / "g.txt"
    answers.write_text("g\n", encoding="utf-8")
    status, text = run(tmp_path, learner, answers=str(answers))
    assert status == 0 and text.startswith("Warning: ") and says in " ".join(text.split())
    (moved,) = (tmp_path / "progress").glob(aside)
    assert moved.read_text(encoding="utf-8") == content, "nothing is lost"
    assert len(stored(tmp_path)["cards"]) == 1, "a new schedule was started"


def test_unreadable_entries_start_again_as_new_and_are_kept_until_reviewed(tmp_path):
    (tmp_path / SCHEDULE_NAME).write_text(
        json.dumps({"schema_version": 1, "cards": {"abc": {"box": 9}, "def": "x"}}), "utf-8"
    )
    states, notices = read_schedule(tmp_path)
    assert states == {}
    assert notices == [
        "2 card entries in flashcards.json could not be read; those cards start again as new"
    ]


class Script:
    """A learner at the keyboard: replies in order; an exception instance is raised instead."""

    def __init__(self, *replies):
        self.replies, self.prompts = list(replies), []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), EOFError()], ids=["ctrl-c", "eof"])
def test_stopping_keeps_the_reviews_done_so_far_with_a_one_line_summary(tmp_path, learner, stop):
    script = Script("", "g", "", "maybe", "a", "", stop)  # Enter, grade, Enter, … stop
    status, text = run(tmp_path, learner, ask=script)
    assert status == 0
    assert "'maybe' is not a grade: type a, h, g or e (or 1 to 4), or q to stop." in text
    last = text.splitlines()[-1]
    assert last == (
        "Stopped after 2 of 3 cards (saved): again 1, hard 0, good 1, easy 0. "
        "Next due: 2026-12-01 (today)."
    )
    assert "Traceback" not in text
    assert len(stored(tmp_path)["cards"]) == 2
    assert script.prompts[0].startswith("Press Enter") and script.prompts[1].startswith("How well")


def test_q_stops_a_session_and_the_default_prompt_reads_the_keyboard(
    tmp_path, learner, monkeypatch
):
    replies = iter(["", "e", "", "q"])
    monkeypatch.setattr("builtins.input", lambda *_: next(replies))
    status, text = run(tmp_path, learner)
    assert (
        status == 0
        and "Stopped after 1 of 3 cards (saved): again 0, hard 0, good 0, easy 1." in text
    )
    assert "How well did you recall it? [a]gain [h]ard [g]ood [e]asy" in text, (
        "prompt shown as typed"
    )


def test_a_bad_day_is_a_usage_error(tmp_path, learner):
    with pytest.raises(UsageError, match="unknown day 'day99'; valid days are day31 to day40"):
        run(tmp_path, learner, day="day99")


def test_a_bad_answers_file_is_a_usage_error_and_records_nothing(tmp_path, learner):
    with pytest.raises(UsageError, match=r"cannot read --answers '.*nope\.txt': No such file"):
        run(tmp_path, learner, answers=str(tmp_path / "nope.txt"))
    answers = tmp_path / "typo.txt"
    answers.write_text("g\n\ngood\nmaybe\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"--answers line 4 is 'maybe'; write one grade per line"):
        run(tmp_path, learner, answers=str(answers))
    assert not (tmp_path / "progress" / SCHEDULE_NAME).exists()


def test_the_subcommand_parses_with_the_callers_parser_class():
    from grader.cli import _Parser  # the real CLI's parser: one-line usage errors

    commands = _Parser(prog="grader").add_subparsers(dest="command", parser_class=_Parser)
    parser = add_parser(commands)
    args = parser.parse_args(["day34", "--count", "5", "--answers", "-"])
    assert (args.day, args.count, args.answers, args.progress_dir) == ("day34", 5, "-", None)
    assert parser.parse_args([]).count == 20
    with pytest.raises(UsageError, match="expected a positive whole number of cards, got '0'"):
        parser.parse_args(["--count", "0"])
