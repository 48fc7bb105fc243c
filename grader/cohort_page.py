"""The cohort's static pages: ``index.html`` (a learner × day heat map) and one page per report.

Written for a mentor's browser, opened from disk: every page is one HTML file
with its style inline, no script, no font or image fetched from anywhere, so
the folder can be zipped, mailed or uploaded as a CI artifact and still reads
the same. Everything that came from a report or a clone (names, messages,
answers) is HTML-escaped: a learner's text can never become markup.

Layout under ``--out`` (default ``progress/cohort/``)::

    index.html                    heat map; each cell links to its report page
    <learner id>/<day>.html       tests, messages, hints used, answers, copy flags
    <learner id>/<day>.json       the report itself, as graded
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.answers import answer_sections
from grader.storage import write_json_atomic, write_text_atomic

if TYPE_CHECKING:
    from grader.cohort import Cell, Cohort

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .35rem .6rem; vertical-align: top; text-align: left; }
td.cell { min-width: 9rem; }
td.cell a { color: inherit; text-decoration: none; display: block; }
.passed { color: #0a6b2d; } .failed, .error, .timeout { color: #a11; } .skipped { color: #777; }
.copy { background: #fde2e2; color: #a11; font-weight: 600; padding: 0 .25rem; }
.dim { color: #666; font-size: .9em; }
pre { background: #f5f5f7; padding: .6rem; white-space: pre-wrap; }
"""


def heat(percent: float) -> str:
    """A background from red (0 %) through amber to green (100 %), light enough to read on."""
    hue = round(1.2 * max(0.0, min(100.0, percent)))  # 0 red .. 120 green
    return f"hsl({hue}, 70%, 85%)"


def flag_lines(flags: list[dict[str, Any]], brief: bool = False) -> list[str]:
    """One line per source: ``like reference: metrics.py 0.97, answers/notes.md 1.00``;
    ``brief`` (for the terminal table) names the code files and counts the answers."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for flag in flags:
        by_source.setdefault(flag["like"], []).append(flag)
    lines = []
    for source, found in by_source.items():
        if brief:
            code = [f["file"] for f in found if not f["file"].endswith(".md")]
            answers = len(found) - len(code)
            shown = code + ([f"{answers} answer{'s' * (answers != 1)}"] if answers else [])
        else:
            shown = [f"{f['file']} {f['score']:.2f}" for f in found]
        lines.append(f"like {source}: {', '.join(shown)}")
    return lines


def page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def cell_html(cell: Cell | None, link: str | None) -> str:
    if cell is None:
        return '<td class="cell dim">not graded</td>'
    verdict = "passed" if cell.passed else "not passed"
    lines = [
        f"<strong>{cell.percent:g} %</strong> {verdict}",
        f'<span class="dim">best {cell.best_percent:g} % · hints {cell.hints} · '
        f"tries {cell.attempts}</span>",
    ]
    if cell.first_passed_at:
        lines.append(f'<span class="dim">first passed {escape(cell.first_passed_at[:10])}</span>')
    if cell.first_failing:
        lines.append(f'<span class="failed">failing: {escape(cell.first_failing)}</span>')
    lines += [
        f'<span class="copy">COPY? {escape(line)}</span>' for line in flag_lines(cell.copy_flags)
    ]
    inner = "<br>".join(lines)
    if link:
        inner = f'<a href="{escape(link)}">{inner}</a>'
    return f'<td class="cell" style="background: {heat(cell.percent)}">{inner}</td>'


def index_html(cohort: Cohort, links: dict[tuple[str, str], str]) -> str:
    head = "".join(f"<th>{escape(day)}</th>" for day in cohort.days)
    rows = []
    for learner_id in sorted(cohort.learners):
        person = cohort.learners[learner_id]
        who = (
            f"<strong>{escape(person.get('name') or learner_id)}</strong><br>"
            f'<span class="dim">{escape(person.get("email") or "")}<br>'
            f"{escape(person.get('remote') or '')}<br>id {escape(learner_id)}</span>"
        )
        cells = "".join(
            cell_html(cohort.cells.get((learner_id, day)), links.get((learner_id, day)))
            for day in cohort.days
        )
        rows.append(f"<tr><th>{who}</th>{cells}</tr>")
    legend = (
        '<p class="dim">Each cell: the latest grade (percent, verdict), the best percent seen, '
        "hints revealed and attempts from the learner's own ledger, the first failing test, "
        "and copy flags (files or answers too similar to the reference or to another learner). "
        "Click a cell for the whole report.</p>"
    )
    table = f"<table><tr><th>Learner</th>{head}</tr>\n" + "\n".join(rows) + "</table>"
    return page("Cohort: learner × day", legend + table)


def report_html(report: dict[str, Any], cell: Cell, clone: Path | None) -> str:
    learner = report.get("learner") or {}
    git = report.get("git") or {}
    grader = report.get("grader") or {}
    verdict = "passed" if report.get("passed") else "not passed"
    commit = f"{git.get('commit') or 'no git'} ({git.get('committed_at') or '?'})"
    if git.get("dirty"):
        commit += " · UNCOMMITTED CHANGES (not verifiable)"
    facts = {
        "Learner": f"{learner.get('name') or '?'} <{learner.get('email') or '?'}>",
        "Remote": learner.get("remote") or "none",
        "Graded": f"{report.get('finished_at')} · {report.get('target')}",
        "Commit": commit,
        "Grader": f"{grader.get('version')} · fingerprint {grader.get('fingerprint')}",
        "Verdict": f"{report.get('percent')} % · {verdict} · "
        f"{report.get('score')}/{report.get('max_score')} points",
        "First passed": cell.first_passed_at or "not yet",
        "Attempts": str(cell.attempts),
    }
    rows = "".join(f"<tr><th>{k}</th><td>{escape(str(v))}</td></tr>" for k, v in facts.items())
    body = [f"<table>{rows}</table>"]
    if cell.copy_flags:
        flags = "".join(
            f'<li class="copy">{escape(line)}</li>' for line in flag_lines(cell.copy_flags)
        )
        body.append(f"<h2>Copy flags</h2><ul>{flags}</ul>")
    body.append(_tests_html(report))
    hints = report.get("hints_revealed") or {}
    shown = "".join(f"<li>{escape(task)}: {n}</li>" for task, n in sorted(hints.items()))
    body.append(
        f"<h2>Hints used</h2><ul>{shown}</ul>" if hints else "<h2>Hints used</h2><p>none</p>"
    )
    body.append(_answers_html(report, clone))
    body += [f'<p class="failed">{escape(str(p))}</p>' for p in report.get("problems") or []]
    json_link = f'<a href="{escape(report["day"])}.json">The report as JSON</a>'
    body.append(
        f'<p class="dim">{json_link}; check it with '
        "<code>nox -s verify -- REPORT --target CLONE</code>.</p>"
    )
    return page(f"{learner.get('name') or learner.get('id')} · {report['day']}", "\n".join(body))


def _tests_html(report: dict[str, Any]) -> str:
    order = {"passed": 1}
    rows = []
    for test in sorted(report.get("tests") or [], key=lambda t: order.get(t["status"], 0)):
        status = escape(test["status"])
        hint = "" if test["status"] == "passed" else test.get("hint") or ""
        rows.append(
            f'<tr><td class="{status}">{status}</td><td>{escape(test["name"])}</td>'
            f"<td>{escape(test.get('task') or '')}</td>"
            f"<td>{test['points']:g}/{test['max_points']:g}</td>"
            f"<td>{escape(test.get('message') or '')}</td><td>{escape(hint)}</td></tr>"
        )
    head = "<tr><th>Status</th><th>Test</th><th>Task</th><th>Points</th><th>What was seen</th>"
    return f"<h2>Tests (failures first)</h2><table>{head}<th>Hint</th></tr>{''.join(rows)}</table>"


def _answers_html(report: dict[str, Any], clone: Path | None) -> str:
    parts = ["<h2>Written answers</h2>"]
    for check in report.get("answers") or []:
        state = "complete" if check.get("complete") else "incomplete"
        parts.append(f"<h3>{escape(check['file'])}: {state}, {check.get('words', 0)} words</h3>")
        if check.get("missing"):
            parts.append(f'<p class="failed">Incomplete: {escape(", ".join(check["missing"]))}</p>')
        text = _answer_text(clone, check["file"]) if clone else None
        if text:
            parts.append(f"<pre>{escape(text)}</pre>")
    return "\n".join(parts)


def _answer_text(clone: Path, file: str) -> str | None:
    """The learner's answer sections, read from their clone (file is e.g. ``day31/answers/x.md``
    or ``exercises/day31/answers/x.md``)."""
    relative = file.split("exercises/", 1)[-1]
    path = clone / "exercises" / relative
    try:
        markdown = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    sections = answer_sections(markdown)
    return "\n\n".join(f"## {heading}\n{body.strip()}" for heading, body in sections) or None


def write_pages(cohort: Cohort, out: Path, clone_of: dict[str, Path] | None = None) -> Path:
    """Write the index and one page (plus its JSON) per learner × day; returns the index."""
    links: dict[tuple[str, str], str] = {}
    for (learner_id, day), report in cohort.reports.items():
        folder = out / learner_id
        clean = {k: v for k, v in report.items() if not k.startswith("_")}
        write_json_atomic(folder / f"{day}.json", clean)
        clone = (clone_of or {}).get(learner_id)
        write_text_atomic(
            folder / f"{day}.html", report_html(clean, cohort.cells[learner_id, day], clone)
        )
        links[learner_id, day] = f"{learner_id}/{day}.html"
    index = out / "index.html"
    write_text_atomic(index, index_html(cohort, links))
    return index
