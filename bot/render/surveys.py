"""How a survey looks in the chat: a question with its buttons, the answer shown in its place, and the
link-free summary of the results sent with the thank-you."""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.services.skm import SkmResult
from bot.services.survey_results import Results
from storage.models import Survey, SurveyQuestion
from storage.statuses import QuestionKind


def question_text(t: Translator, survey: Survey, q: SurveyQuestion, count: int, *, intro: bool = False) -> str:
    """The survey's title (and intro, with the first question as it is broadcast), then the question."""
    head = f"📋 <b>{survey.title}</b>"  # Telegram HTML, checked when the survey was created
    parts = [head, survey.intro] if intro and survey.intro else [head]  # the intro may be left out
    number = t.gettext("Question {n} of {count}").format(n=t.integer(q.position), count=t.integer(count))
    hint = {
        QuestionKind.CHOICE: t.gettext("Choose one answer below."),
        QuestionKind.SCALE: t.gettext("Choose from 1 (very poor) to 5 (very good)."),
        QuestionKind.TEXT: t.gettext("Write your answer as a message."),
    }[QuestionKind(q.kind)]
    parts.append(f"<i>{number}</i>\n{q.text}\n\n{hint}")
    return "\n\n".join(parts)


def question_markup(
    t: Translator, q: SurveyQuestion, extra: list[InlineKeyboardButton] | None = None
) -> InlineKeyboardMarkup:
    """The question's buttons (an option per row, or 1–5 in a row), Skip, and `extra` (the broadcast's stop)."""
    qid = int(q.id or 0)
    rows: list[list[InlineKeyboardButton]] = []
    if q.kind == QuestionKind.CHOICE:
        rows += [[kb.button(option, "sva", qid, n)] for n, option in enumerate(q.options or [])]
    elif q.kind == QuestionKind.SCALE:
        rows.append([kb.button(str(v), "sva", qid, v) for v in range(1, 6)])
    rows.append([kb.button(t.gettext("Skip"), "svs", qid)])
    if extra:
        rows.append(extra)
    return kb.fixed(*rows)


def answer_label(t: Translator, q: SurveyQuestion, *, choice: int | None = None, scale: int | None = None,
                 text: str | None = None, skipped: bool = False) -> str:
    if skipped:
        return t.gettext("skipped")
    if choice is not None and q.options and 0 <= choice < len(q.options):
        return q.options[choice]
    if scale is not None:
        return t.integer(scale)
    return text or ""


def answered_text(t: Translator, survey: Survey, q: SurveyQuestion, count: int, label: str) -> str:
    """The question's message once answered: its buttons gone, the answer shown."""
    number = t.gettext("Question {n} of {count}").format(n=t.integer(q.position), count=t.integer(count))
    mine = t.gettext("Your answer: {answer}").format(answer=html.escape(label))
    return f"📋 <b>{survey.title}</b>\n\n<i>{number}</i>\n{q.text}\n\n✅ {mine}"


def _percent(t: Translator, share: float) -> str:
    return t.integer(round(share * 100)) + "%"


def summary_lines(t: Translator, results: Results) -> list[str]:
    """One line per question: the most chosen option's share, the scale's average, or the number of texts."""
    lines = []
    for r in results.questions:
        n = t.integer(r.question.position)
        if not r.answered:
            lines.append(t.gettext("Question {n}: no answers").format(n=n))
        elif r.question.kind == QuestionKind.CHOICE:
            top = max(range(len(r.counts)), key=lambda i: r.counts[i])
            lines.append(t.gettext("Question {n}: {share} chose “{option}”").format(
                n=n, share=_percent(t, r.share(top)), option=html.escape((r.question.options or [""])[top])))
        elif r.question.kind == QuestionKind.SCALE:
            lines.append(t.gettext("Question {n}: an average of {average} out of 5").format(
                n=n, average=t.decimal(r.average or 0.0)))
        else:
            lines.append(t.ngettext("Question {n}: {count} written answer", "Question {n}: {count} written answers",
                                    r.answered).format(n=n, count=t.integer(r.answered)))
    return lines


def thanks_text(t: Translator, results: Results) -> str:
    """The thank-you when the survey closes, with what everyone said, as text only (no link)."""
    head = t.gettext("📋 <b>{title}</b> has closed. Thank you for taking part!").format(title=results.survey.title)
    took = t.gettext("{respondents} of {reached} residents answered ({rate}).").format(
        respondents=t.integer(results.respondents), reached=t.integer(results.reached),
        rate=_percent(t, results.rate))
    return "\n\n".join([head, took, "\n".join(summary_lines(t, results))])


def skm_line(t: Translator, result: SkmResult) -> str:
    """ "SKM index: 78.15 (B, Good) from 6 respondents", in the reader's language; under the public minimum, said."""
    if result.index is None:
        return t.gettext("SKM index: no answers yet")
    line = t.ngettext("SKM index: {index} ({grade}, {words}) from {count} respondent",
                      "SKM index: {index} ({grade}, {words}) from {count} respondents", result.respondents).format(
        index=t.decimal(float(result.index), 2), grade=result.grade, words=t.gettext(result.grade_words or ""),
        count=t.integer(result.respondents))
    if not result.enough_respondents:
        line += " " + t.gettext("(too few respondents to publish)")
    return f"📊 <b>{line}</b>"


def results_text(t: Translator, results: Results, zone: str, now: datetime, skm: SkmResult | None = None) -> str:
    """Every figure of a survey for its author: per option, the 1–5 distribution and average, texts, skips.

    Five long questions with six options each would pass Telegram's 4,096 characters: then the questions are
    named by their number only."""
    text = _results(t, results, zone, now, with_questions=True, skm=skm)
    return text if len(text) <= 4000 else _results(t, results, zone, now, with_questions=False, skm=skm)


def _results(t: Translator, results: Results, zone: str, now: datetime, *, with_questions: bool,
             skm: SkmResult | None) -> str:
    s = results.survey
    state = (t.gettext("closed") if s.closed_at is not None or s.closes_at <= now
             else t.gettext("open until {closes}").format(closes=t.datetime(s.closes_at, zone)))
    lines = [f"📋 <b>{s.title}</b> ({state})",
             t.gettext("{respondents} of {reached} residents answered ({rate}).").format(
                 respondents=t.integer(results.respondents), reached=t.integer(results.reached),
                 rate=_percent(t, results.rate))]
    if skm is not None:
        lines.append(skm_line(t, skm))
    for r in results.questions:
        lines += ["", f"<b>{t.integer(r.question.position)}.</b> {r.question.text if with_questions else ''}".rstrip()]
        if r.question.kind == QuestionKind.CHOICE:
            lines += [f"• {html.escape(option)}: {t.integer(r.counts[i])} ({_percent(t, r.share(i))})"
                      for i, option in enumerate(r.question.options or [])]
        elif r.question.kind == QuestionKind.SCALE:
            lines.append(" · ".join(f"{v}: {t.integer(r.counts[v - 1])}" for v in range(1, 6)))
            if r.average is not None:
                lines.append(t.gettext("Average: {average} out of 5").format(average=t.decimal(r.average)))
        else:
            lines.append(t.ngettext("{count} written answer", "{count} written answers", r.answered).format(
                count=t.integer(r.answered)))
        if r.skipped:
            lines.append(t.gettext("Skipped: {count}").format(count=t.integer(r.skipped)))
    return "\n".join(lines)
