"""A survey typed in one chat message, and the draft kept between the steps of /buatsurvei.

The message: the first line is the title, the lines up to the first question the intro, then one line per
question: `? question | option | option …` (one choice), `* question` (a 1–5 scale), `# question` (a short text).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.services.surveys import QuestionDraft, Refusal, validate
from bot.services.telegram_html import escape_ampersands
from storage.statuses import QuestionKind

MARKS = {"?": QuestionKind.CHOICE, "*": QuestionKind.SCALE, "#": QuestionKind.TEXT}


def parse(message: str, *, closes_at: datetime, now: datetime) -> tuple[str, str, list[QuestionDraft]] | Refusal:
    """The title, the intro and the questions, checked as `surveys.validate` checks them."""
    lines = [line.strip() for line in message.strip().splitlines()]
    title = escape_ampersands(lines[0]) if lines else ""
    intro: list[str] = []
    questions: list[QuestionDraft] = []
    for line in lines[1:]:
        kind = MARKS.get(line[:1]) if line else None
        if kind is None:
            if questions:  # text after the questions: a question's continuation is not allowed
                return Refusal("question", "format", len(questions))
            intro.append(line)
            continue
        text, *options = [part.strip() for part in line[1:].split("|")]
        if kind != QuestionKind.CHOICE and options:
            return Refusal("option", "count", len(questions) + 1, str(len(options)))
        questions.append(QuestionDraft(kind, escape_ampersands(text), tuple(options)))
    body = escape_ampersands("\n".join(intro).strip())
    found = validate(title, body, questions, closes_at, now)
    return found if found is not None else (title, body, questions)


def to_draft(title: str, intro: str, questions: list[QuestionDraft]) -> dict[str, Any]:
    return {"title": title, "intro": intro,
            "questions": [{"kind": str(q.kind), "text": q.text, "options": list(q.options)} for q in questions]}


def from_draft(draft: dict[str, Any]) -> tuple[str, str, list[QuestionDraft]] | None:
    """What to_draft kept, or None when the draft is not one (an older or damaged step)."""
    try:
        return str(draft["title"]), str(draft["intro"]), [
            QuestionDraft(QuestionKind(q["kind"]), str(q["text"]), tuple(str(o) for o in q["options"]))
            for q in draft["questions"]]
    except (KeyError, TypeError, ValueError):
        return None
