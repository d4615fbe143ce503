"""The client's screening: landing page, one question per page, check answers, outcome.

Every page is plain server-rendered HTML with POST-redirect-GET, so it works without
JavaScript; with htmx (`hx-boost` on <body>) the same URLs answer `HX-Request` with only the
body's content. Each request does at most two Redis round trips: one load, one
compare-and-set (checker.store), the finishing step included (its finish event is written by
the same script; checker.finishes). The use case itself is checker.screenings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from flask import Blueprint, Response, g, request, url_for
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from checker import flow
from checker.catalog import N_
from checker.flow import Progress
from checker.outcome import Level
from checker.questionnaire import QUESTION_IDS, QUESTIONS, Kind, Option, Question
from checker.screenings import NotAskable, NotComplete, Step, askable, progress_of
from checker.store import Screening, ScreeningConflict, ScreeningGone, format_code
from checker.versions import Questionnaire
from checker.web import errors, limits
from checker.web.extensions import htmx, limiter
from checker.web.i18n import current_lang, remember_lang, use_screening_lang
from checker.web.pages import render, see_other, services, set_location
from checker.wording import (
    LEVEL_TITLE,
    THERAPIST_INSTRUCTION,
    flag_texts,
    see_doctor_soon,
    urgent_advice,
)

bp = Blueprint("screening", __name__)

FIRST_QUESTION = QUESTIONS[0].id
EXPIRED_MESSAGE = N_("This page had expired, so your answer was not saved. Check your answer "
                     "and select Continue again")


# -- helpers ------------------------------------------------------------------------------

def _proceed(step: Step) -> Response:
    """After a successful answer, go on to the next page of the flow."""
    return _go(_next_url(step.screening, step.progress), lambda: _next_page(step))


def _go(url: str, page: Callable[[], Response]) -> Response:
    """After a successful POST, go to `url`.

    Without JavaScript: 303 (POST-redirect-GET). An htmx request gets the page itself with
    `HX-Push-Url`, so the address bar and history still follow the flow: one round trip
    instead of two on a slow mobile network, and no second Redis read.
    """
    if not htmx or htmx.history_restore_request:
        return see_other(url)
    response = page()
    response.headers.pop("HX-Replace-Url", None)
    response.headers["HX-Push-Url"] = url
    return response


def _next_page(step: Step) -> Response:
    """The page at `_next_url`, rendered from the screening already in hand."""
    screening, progress = step.screening, step.progress
    if progress.next_question:
        qid = progress.next_question
        return _show_question(screening, qid, progress, _chosen(screening.answers.get(qid)))
    if progress.early and screening.finished:
        return _show_outcome(screening, progress)
    return _show_check(screening, progress)


def _open(sid: str) -> Step:
    """The screening and where it stands; its location and language apply to the page."""
    step = services().screenings.open(sid)
    if step is None:
        raise ScreeningGone(sid)
    set_location(step.screening.location)
    use_screening_lang(step.screening.lang)
    return step


def _question_url(sid: str, qid: str) -> str:
    return url_for("screening.question_page", sid=sid, qid=qid)


def _next_url(screening: Screening, progress: Progress) -> str:
    """Where the flow goes now: the next question, the outcome after an early end, or check."""
    if progress.next_question:
        return _question_url(screening.sid, progress.next_question)
    if progress.early and screening.finished:
        return url_for("screening.outcome_page", sid=screening.sid)
    return url_for("screening.check_page", sid=screening.sid)


def _back_url(screening: Screening, qid: str, progress: Progress) -> str:
    path = progress.path
    earlier = path[: path.index(qid)] if qid in path else path
    if earlier:
        return _question_url(screening.sid, earlier[-1])
    return url_for("screening.landing", loc=screening.location)


# -- landing --------------------------------------------------------------------------------

@bp.get("/")
def landing() -> Response:
    remember_lang()
    location = set_location(request.args.get("loc"))
    return render("landing.html", location=location)


@bp.get("/advice")
def advice() -> Response:
    """What to do if you feel unwell now: configuration only, so it works without Redis."""
    remember_lang()
    location = set_location(request.args.get("loc"))
    return render("advice.html", location=location)


@bp.get("/start")
def start_again() -> Response:
    """A bookmarked or reloaded /start: back to the landing page rather than a 405."""
    return see_other(url_for("screening.landing", loc=request.args.get("loc")))


def _start_limit() -> str:
    return services().settings.start_limit


@bp.post("/start")
@limiter.limit(_start_limit, methods=["POST"])
def start() -> Response:
    remember_lang(request.form.get("lang"))
    location = set_location(request.form.get("loc"))
    return _proceed(services().screenings.start(location.slug, current_lang()))


# -- questions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionView:
    question: Question
    options: tuple[Option, ...]  # the usual options
    exclusive: tuple[Option, ...]  # checkbox "none"/"not sure": after an "or" divider
    chosen: frozenset[str]
    error: str | None

    @property
    def input_type(self) -> str:
        return "checkbox" if self.question.kind is Kind.CHECKBOX else "radio"

    @property
    def first_input_id(self) -> str:
        first = (self.options or self.exclusive)[0]
        return f"{self.question.id}-{first.code}"


def _question_view(qid: str, answers: Mapping[str, Any], chosen: frozenset[str],
                   error: str | None, questionnaire: Questionnaire) -> QuestionView:
    q = questionnaire.question(qid)
    offered = flow.options_for(qid, answers, questionnaire)
    if q.kind is Kind.CHECKBOX:
        usual = tuple(o for o in offered if not o.exclusive)
        exclusive = tuple(o for o in offered if o.exclusive)
    else:
        usual, exclusive = offered, ()
    return QuestionView(q, usual, exclusive, chosen, error)


def _chosen(answer: Any) -> frozenset[str]:
    if answer is None:
        return frozenset()
    return frozenset([answer] if isinstance(answer, str) else answer)


def _show_question(screening: Screening, qid: str, progress: Progress, chosen: frozenset[str],
                   error: str | None = None, status: int = 200) -> Response:
    view = _question_view(qid, screening.answers, chosen, error, screening.questionnaire)
    return render("question.html", status, screening=screening, view=view, q=view.question,
                   error=error, back_url=_back_url(screening, qid, progress))


def _known_question(qid: str) -> None:
    # Every version's ids are among the current ones; the screening's own version decides
    # whether it is asked (a question it does not have is never askable: a redirect).
    if qid not in QUESTION_IDS:
        raise NotFound()


@bp.get("/s/<sid>/q/<qid>")
def question_page(sid: str, qid: str) -> Response:
    _known_question(qid)
    step = _open(sid)
    screening, progress = step.screening, step.progress
    if not askable(qid, progress):
        return see_other(_next_url(screening, progress))
    return _show_question(screening, qid, progress, _chosen(screening.answers.get(qid)))


def _submitted(screening: Screening, qid: str) -> str | list[str]:
    values = request.form.getlist(qid)
    questionnaire = screening.questionnaire
    if questionnaire.has(qid) and questionnaire.question(qid).kind is Kind.RADIO and (
            len(values) == 1):
        return values[0]
    return values


@bp.post("/s/<sid>/q/<qid>")
def answer_question(sid: str, qid: str) -> Response:
    _known_question(qid)
    screening = _load_screening(sid)  # the flow is evaluated once, on the new answers
    try:
        step = services().screenings.answer(screening, qid, _submitted(screening, qid))
    except NotAskable as elsewhere:
        return see_other(_next_url(elsewhere.screening, elsewhere.progress))
    except flow.AnswerError as error:
        progress = progress_of(screening)
        if not askable(qid, progress):
            return see_other(_next_url(screening, progress))
        kept = frozenset(request.form.getlist(qid))
        return _show_question(screening, qid, progress, kept, answer_error_text(error),
                              status=400)
    return _proceed(step)


def _load_screening(sid: str) -> Screening:
    """The stored screening only (no flow evaluation yet); its location and language apply."""
    screening = services().store.load(sid)
    if screening is None:
        raise ScreeningGone(sid)
    set_location(screening.location)
    use_screening_lang(screening.lang)
    return screening


def answer_error_text(error: flow.AnswerError) -> str:
    """The core's English message in the client's language (its option labels too)."""
    return gettext(error.msgid, **{name: gettext(value) for name, value in error.params.items()})


def _show_expired_question() -> Response | None:
    """After a failed CSRF check: the same question with the choices kept and a fresh token
    (None when that cannot be shown; the caller then shows a general page)."""
    args = request.view_args or {}
    sid, qid = str(args.get("sid", "")), str(args.get("qid", ""))
    if request.endpoint != "screening.answer_question" or qid not in QUESTION_IDS:
        return None
    try:
        step = services().screenings.open(sid)
    except redis.RedisError:
        return None
    if step is None:
        return None
    set_location(step.screening.location)
    use_screening_lang(step.screening.lang)
    if not askable(qid, step.progress):
        return None
    kept = frozenset(request.form.getlist(qid))
    return _show_question(step.screening, qid, step.progress, kept, gettext(EXPIRED_MESSAGE),
                          status=400)


# -- check answers --------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerRow:
    question: Question
    labels: tuple[str, ...]
    change_url: str


def _rows(screening: Screening, progress: Progress) -> list[AnswerRow]:
    rows = []
    for qid in progress.path:
        q = screening.questionnaire.question(qid)
        codes = _chosen(progress.answers[qid])
        labels = tuple(o.label for o in q.options if o.code in codes)
        rows.append(AnswerRow(q, labels, _question_url(screening.sid, qid)))
    return rows


@bp.get("/s/<sid>/check")
def check_page(sid: str) -> Response:
    step = _open(sid)
    if step.progress.next_question:
        return see_other(_next_url(step.screening, step.progress))
    return _show_check(step.screening, step.progress)


def _show_check(screening: Screening, progress: Progress) -> Response:
    back = _question_url(screening.sid, progress.path[-1]) if progress.path else url_for(
        "screening.landing", loc=screening.location)
    return render("check.html", screening=screening, rows=_rows(screening, progress),
                  back_url=back)


@bp.post("/s/<sid>/check")
def confirm_answers(sid: str) -> Response:
    step = _open(sid)
    try:
        step = services().screenings.finish(step)
    except NotComplete:
        return see_other(_next_url(step.screening, step.progress))
    url = url_for("screening.outcome_page", sid=sid)
    return _go(url, lambda: _show_outcome(step.screening, step.progress))


# -- outcome --------------------------------------------------------------------------------

@bp.get("/s/<sid>/outcome")
def outcome_page(sid: str) -> Response:
    step = _open(sid)
    if not step.screening.finished or step.screening.outcome is None:
        return see_other(_next_url(step.screening, step.progress))
    return _show_outcome(step.screening, step.progress)


def _show_outcome(screening: Screening, progress: Progress) -> Response:
    outcome = screening.outcome
    assert outcome is not None
    sid = screening.sid
    # After an early end there was no check page: "change my answers" opens the question
    # that decided it (most likely the mis-tap); its Back link leads to the earlier ones.
    change_url = (_question_url(sid, progress.path[-1] if progress.path else FIRST_QUESTION)
                  if progress.early else url_for("screening.check_page", sid=sid))
    number = g.location.emergency_number
    return render(
        "outcome.html",
        screening=screening,
        outcome=outcome,
        level=outcome.level,
        Level=Level,
        title=gettext(LEVEL_TITLE[outcome.level]),
        flags=flag_texts(outcome, gettext),
        therapist_instruction=gettext(THERAPIST_INSTRUCTION, number=number),
        urgent=urgent_advice(outcome),
        see_doctor_soon=see_doctor_soon(outcome),
        code=format_code(screening.code or ""),
        change_url=change_url,
    )


# -- errors on these pages (app-wide pages: checker.web.errors) -----------------------------

def _landing_again() -> str:
    return url_for("screening.landing", loc=request.form.get("loc"))


@bp.errorhandler(ScreeningGone)
def _gone(_: ScreeningGone) -> Response:
    return render("gone.html", 404)


@bp.errorhandler(ScreeningConflict)
def _conflict(_: ScreeningConflict) -> Response:
    return render("error.html", 409, heading=gettext("Your answers changed in another window"),
                  message=gettext("We did not save this answer, so nothing was mixed up. "
                                  "Please try again."), retry_url=request.path)


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Response:
    shown = _show_expired_question()
    if shown is not None:
        return shown
    return errors.csrf_failed(error, _landing_again() if request.endpoint ==
                              "screening.start" else None)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    retry = url_for("screening.landing") if request.endpoint == "screening.start" else None
    return errors.too_large(error, retry)


@bp.errorhandler(redis.RedisError)
def _redis_down(error: redis.RedisError) -> Response:
    retry = _landing_again() if request.endpoint == "screening.start" else None
    return errors.redis_down(error, retry)


@bp.errorhandler(RateLimitExceeded)
def _too_many(error: RateLimitExceeded) -> Response:
    """Too many starts from this address: the page offers the start button again."""
    return limits.too_many(error, loc=request.form.get("loc", ""))
