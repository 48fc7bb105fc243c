"""Written answers read with a Markdown parser: sections, placeholders and word counts.

Every expected number is counted by hand; the rules are in grader/answers.py's docstring.
"""

from __future__ import annotations

from pathlib import Path

from grader.answers import MIN_WORDS, answer_sections, check_answer_file, count_words

FIRST_HALF = (  # 30 words
    "The batch job scores every customer overnight and writes the results to a table "
    "that the marketing tools read each morning before the team starts its daily "
    "campaign planning work."
)
SECOND_HALF = (  # 30 words
    "The online path serves one customer at a time from a small service behind the "
    "support app, reading fresh features from the store and answering within fifty "
    "milliseconds every time."
)
FENCE = """```python
# comment: load the model once, at start-up
# another comment line
model = load("churn-v3")
```"""


def counts(markdown: str) -> list[tuple[str, int]]:
    return [(title, count_words(body)) for title, body in answer_sections(markdown)]


def test_a_comment_line_in_a_fenced_block_does_not_end_the_section(tmp_path: Path):
    markdown = f"# Day 31\n\n## Answer: the two paths\n\n{FIRST_HALF}\n\n{FENCE}\n\n{SECOND_HALF}\n"
    [(title, body)] = answer_sections(markdown)
    assert title == "Answer: the two paths"
    assert FENCE in body and SECOND_HALF in body, "the body is the learner's source"
    assert count_words(body) == 60  # 30 + 30: the fence's words are code, not prose
    path = tmp_path / "system_design.md"
    path.write_text(markdown, encoding="utf-8")
    check = check_answer_file(path, "day31/answers/system_design.md")
    assert (check.sections, check.complete_sections, check.words) == (1, 1, 60)
    assert check.missing == ()


def test_code_blocks_count_no_words_and_a_code_span_counts_one():
    markdown = (
        "## Answer: code\n\n"
        "```\nthe fenced words are many but none of them count\n```\n\n"
        "    indented code does not count either\n\n"
        "Use `np.where(x > 0, a, b)` here.\n"  # Use, the span, here
    )
    assert counts(markdown) == [("Answer: code", 3)]
    assert count_words("`a b c` and `d`") == 3
    assert count_words("```\n" + " ".join(["word"] * MIN_WORDS) + "\n```") == 0


def test_list_items_count_their_text_and_a_heading_in_an_item_is_not_a_boundary():
    markdown = (
        "## Answer: lists\n\n"
        "- Precision first when false alarms cost money\n"  # 7
        "- # Recall matters too\n"  # 3: a heading inside a list item
        "\n"
        "1. Then tune the threshold\n"  # 4: the "1." is a marker, not a word
        "2. Check it weekly\n"  # 3
        "\n"
        "## Not an answer\n\nThese words are outside.\n"
    )
    assert counts(markdown) == [("Answer: lists", 17)]


def test_table_cells_count_and_table_syntax_does_not():
    table = (
        "| Option | Pros | Cons |\n"  # 3
        "| --- | :---: | ---: |\n"  # 0
        "| LoRA | small adapters | quality gap |\n"  # 5
        "| Full fine-tuning | highest ceiling | memory |\n"  # 5: fine-tuning is one word
    )
    assert count_words(table) == 13
    assert counts(f"## Answer: matrix\n\n{table}\nOne closing sentence.\n") == [
        ("Answer: matrix", 16)
    ]
    assert count_words("| --- | --- |\n| - | -- |\n") == 0


def test_html_comments_inside_and_between_paragraphs_are_ignored():
    markdown = (
        "## Answer: comments\n\n"
        "<!-- Replace this comment with your answer (at least 25 words). -->\n\n"
        "First paragraph <!-- an inline note with plenty of words --> ends here.\n"  # 4
        "<!-- a block comment\nspanning two lines -->\n"
        "Second paragraph here.\n\n"  # 3
        "<!-- between\n\nparagraphs, across a blank line -->\n\n"
        "<!-- placeholder --> Written on the same line.\n"  # 5: shown when rendered
    )
    [(_, body)] = answer_sections(markdown)
    assert count_words(body) == 12
    assert "<!--" not in body and "First paragraph  ends here." in body
    assert counts("## Answer\n\n<!-- Replace this comment with your answer. -->\n") == [
        ("Answer", 0)
    ]


def test_a_level_3_heading_stays_inside_the_answer():
    markdown = (
        "## Answer: design\n\nIntro words here.\n\n"  # 3
        "### Trade-offs\n\n"  # 1
        "Latency against cost.\n\n"  # 3
        "## Next part\n\nNot counted at all.\n"
    )
    [(title, body)] = answer_sections(markdown)
    assert (title, count_words(body)) == ("Answer: design", 7)
    assert "### Trade-offs" in body and "Not counted" not in body


def test_setext_headings_are_recognised():
    markdown = (
        "Answer\n======\n\nSetext headings are headings too.\n\n"  # 5
        "Answer: second\n--------------\n\nTwo words.\n"  # 2
    )
    assert counts(markdown) == [("Answer", 5), ("Answer: second", 2)]
    assert counts(markdown.replace("\n", "\r\n")) == [("Answer", 5), ("Answer: second", 2)]


def test_a_heading_in_a_blockquote_neither_starts_nor_ends_a_section():
    markdown = (
        "## Answer: quoted\n\nMy words before.\n\n"  # 3
        "> ## Answer: not a new section\n> quoted words\n\n"  # 5 + 2
        "After the quote.\n"  # 3
    )
    assert counts(markdown) == [("Answer: quoted", 13)]
    assert answer_sections("# Intro\n\n> ## Answer: fake\n> some text\n") == []


def test_each_cjk_character_counts_as_a_word():
    assert count_words("Batch scoring, 批处理") == 5
    assert counts("## Answer: 中文\n\n我们用 batch 评分。\n") == [("Answer: 中文", 6)]


def test_the_section_titles_returned():
    markdown = (
        "# Day 31 · System design\n\n**Prompt.** Design it.\n\n"
        "## Answer: the two paths\n\nOne.\n\n"
        "## Guiding notes\n\nNot an answer.\n\n"
        "## answer (lower case)\n\nTwo.\n\n"
        "# ANSWERS in capitals ##\n\nThree.\n\n"
        "## Answer: with `code` <!-- a hint -->\n\nFour.\n\n"
        "### Answer: level 3 is inside the section above\n\nFive.\n\n"
        "## Not an Answer\n\nSix.\n"
    )
    assert [title for title, _ in answer_sections(markdown)] == [
        "Answer: the two paths",
        "answer (lower case)",
        "ANSWERS in capitals",
        "Answer: with `code`",
    ]
