"""A resident's side of a survey: each question as buttons (a text answer as the next message), Skip, the answer
shown in place of the buttons, then the next question; /survei lists the open surveys still to finish.

Stateless as every flow: a button names its question, the service re-checks it on every press (the survey was
sent to this resident, is open, the question not answered yet), so an old, doubled or forged button is answered
politely and stores nothing. Only a text question's step ("survey_text", with its question id) is kept, in the
database.
"""

from __future__ import annotations

from telegram import Message

from bot.render import keyboards as kb
from bot.render import surveys as render
from bot.render.callbacks import Callback
from bot.services import residents, survey_results, surveys
from bot.services.surveys import Answered, Outcome
from handlers import steps
from handlers.common import Turn, in_turn, plain
from storage.models import Survey, SurveyQuestion
from storage.statuses import QuestionKind

TEXT_STEP = "survey_text"


def ask(turn: Turn, survey: Survey, q: SurveyQuestion, count: int) -> None:
    """Send a question; a text question also waits for the resident's next message."""
    turn.reply(render.question_text(turn.t, survey, q, count), render.question_markup(turn.t, q))
    if q.kind == QuestionKind.TEXT:
        residents.set_state(turn.session, turn.resident, TEXT_STEP, {"q": int(q.id or 0)})


def refuse(turn: Turn, done: Answered, *, typed: bool = False) -> None:
    """An answer that stored nothing: said as a button's note, or as a message after a typed answer."""
    _ = turn.t.gettext
    if done.outcome is Outcome.ALREADY:
        text = _("You have already answered this question. Thank you!")
    elif done.outcome is Outcome.CLOSED:
        text = _("This survey has closed, so answers are no longer accepted. Thank you for your interest.")
    else:
        text = _("This survey question is not available to you.")
    if typed:
        turn.reply(text)
    else:
        turn.answer(text, alert=done.outcome is Outcome.CLOSED)
        message = turn.query.message if turn.query else None
        if done.outcome is Outcome.CLOSED and isinstance(message, Message) and message.reply_markup:
            turn.drop_buttons(message.message_id)  # a closed survey's buttons lead nowhere any more


async def saved(turn: Turn, done: Answered, label: str, *, typed: bool = False) -> None:
    """Show the answer in place of the buttons, then the next question or the thanks."""
    _ = turn.t.gettext
    assert done.survey is not None and done.question is not None
    shown = render.answered_text(turn.t, done.survey, done.question, done.count, label)
    if typed:
        turn.reply(shown)
    else:
        turn.answer(_("Saved."))
        turn.edit(shown)
    if turn.resident.state == TEXT_STEP:
        residents.set_state(turn.session, turn.resident, None)
    if done.next is not None:
        ask(turn, done.survey, done.next, done.count)
        return
    closes = turn.t.datetime(done.survey.closes_at, await turn.zone())
    turn.reply(_("Thank you for answering our survey! When it closes ({closes}) we will send you a summary of what "
                 "residents said.").format(closes=closes))


@in_turn
async def on_answer(turn: Turn, cb: Callback) -> None:
    """A choice or a 1–5 value."""
    qid, value = cb.int(0), cb.int(1)
    found = await surveys.find(turn.session, turn.user.id, qid)
    if found is None:
        refuse(turn, Answered(Outcome.UNKNOWN))
        return
    q = found[1]
    if q.kind == QuestionKind.CHOICE:
        done = await surveys.answer(turn.session, turn.user.id, qid, now=turn.now, choice=value)
        label = render.answer_label(turn.t, q, choice=value)
    elif q.kind == QuestionKind.SCALE:
        done = await surveys.answer(turn.session, turn.user.id, qid, now=turn.now, scale=value)
        label = render.answer_label(turn.t, q, scale=value)
    else:  # a text question has no value buttons: a forged press
        refuse(turn, Answered(Outcome.UNKNOWN))
        return
    if done.outcome is Outcome.SAVED:
        await saved(turn, done, label)
    else:
        refuse(turn, done)


@in_turn
async def on_skip(turn: Turn, cb: Callback) -> None:
    done = await surveys.answer(turn.session, turn.user.id, cb.int(0), now=turn.now, skip=True)
    if done.outcome is Outcome.SAVED and done.question is not None:
        await saved(turn, done, render.answer_label(turn.t, done.question, skipped=True))
    else:
        refuse(turn, done)


async def on_text(turn: Turn, text: str) -> None:
    """The answer to a text question."""
    _ = turn.t.gettext
    qid = int((turn.resident.draft or {}).get("q", 0))
    if len(text) > surveys.TEXT_ANSWER_MAX:
        turn.reply(_("Your answer is too long: {length} characters, and the limit is {max}. Please shorten it, or "
                     "type /batal.").format(length=turn.t.integer(len(text)),
                                            max=turn.t.integer(surveys.TEXT_ANSWER_MAX)))
        return
    done = await surveys.answer(turn.session, turn.user.id, qid, now=turn.now, text=text)
    if done.outcome is Outcome.SAVED:
        await saved(turn, done, text.strip(), typed=True)
        return
    residents.set_state(turn.session, turn.resident, None)
    refuse(turn, done, typed=True)


@in_turn
async def cmd_surveys(turn: Turn) -> None:
    """/survei: the open surveys the resident received and has not finished, to continue."""
    _ = turn.t.gettext
    pending = await surveys.unfinished(turn.session, turn.user.id, turn.now)
    actor = await turn.actor()
    own = await survey_results.listed_for(turn.session, actor) if actor.is_official else []
    if own:  # an official's (an admin's: everyone's) latest surveys, to see their results
        turn.reply(_("Results of the latest surveys:"), kb.markup(*[
            [kb.button(_("Results: {title}").format(title=plain(s.title)), "svr", int(s.id or 0))] for s in own]))
    if not pending:
        if not own:
            turn.reply(_("You have no open surveys to answer at the moment. Thank you!"))
        return
    rows = [[kb.button(_("Continue: {title}").format(title=plain(survey.title)), "svc", int(survey.id or 0))]
            for survey, _q in pending]
    turn.reply(_("Surveys you have not finished yet:"), kb.markup(*rows))


@in_turn
async def on_results(turn: Turn, cb: Callback) -> None:
    """An official's look at a survey's results, as they stand now."""
    results = await survey_results.results_for(turn.session, await turn.actor(), cb.int(0))
    if results is None:
        turn.answer(turn.t.gettext("This survey was not found, or its results are not yours to see."), alert=True)
        return
    turn.answer()
    skm = await surveys.skm_result(turn.session, cb.int(0))  # None unless it is an SKM survey
    turn.reply(render.results_text(turn.t, results, await turn.zone(), turn.now, skm))


@in_turn
async def on_continue(turn: Turn, cb: Callback) -> None:
    survey = await surveys.continuing(turn.session, turn.user.id, cb.int(0), turn.now)
    if survey is None:
        turn.answer(turn.t.gettext("This survey is closed or already finished. Thank you!"))
        return
    turn.answer()
    ask(turn, survey[0], survey[1], survey[2])


steps.register(TEXT_STEP, text=on_text, hint=steps.WRITE_AS_TEXT)
