"""The client's screening: landing page, one question per page, check answers, outcome.

Every page is plain server-rendered HTML with POST-redirect-GET, so it works without
JavaScript; with htmx (`hx-boost` on <body>) the same URLs answer `HX-Request` with only the
body's content. Each request does at most two Redis round trips (see checker.store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_htmx import HTMX
from werkzeug.exceptions import HTTPException, NotFound

from checker import flow
from checker.catalog import N_
from checker.flow import Progress
from checker.locations import Location
from checker.outcome import Level
from checker.questionnaire import QUESTION_IDS, QUESTIONS, Kind, Option, Question
from checker.store import (
    FinishedScreening,
    NotComplete,
    Screening,
    ScreeningConflict,
    ScreeningGone,
    ScreeningStore,
    format_code,
)
from checker.versions import Questionnaire
from checker.web.i18n import current_lang, use_screening_lang
from checker.wording import (
    LEVEL_TITLE,
    THERAPIST_INSTRUCTION,
    flag_texts,
    see_doctor_soon,
    urgent_advice,
)

bp = Blueprint("screening", __name__)

FIRST_QUESTION = QUESTIONS[0].id
# Security headers, Cache-Control: no-store and CSRF are applied app-wide by
# checker.web.security.
EXPIRED_MESSAGE = N_("This page had expired, so your answer was not saved. Check your answer "
                     "and select Continue again")


# -- helpers ------------------------------------------------------------------------------

def _store() -> ScreeningStore:
    return current_app.extensions["clotcheck.store"]


def _htmx() -> HTMX:
    return current_app.htmx  # type: ignore[attr-defined]


def _location(slug: str | None) -> Location:
    location = current_app.extensions["locations"].resolve(slug)
    g.location = location
    return location


def _render(template: str, status: int = 200, **context: Any) -> Response:
    """A full page, or for an htmx request only the body's content (same template)."""
    htmx = _htmx()
    partial = bool(htmx) and not htmx.history_restore_request
    response = make_response(render_template(template, partial=partial, **context), status)
    if partial:
        # A boosted POST that ended on an error page stays at its URL; a GET (also the GET
        # after a 303) pushes the final URL explicitly.
        header = "HX-Push-Url" if request.method == "GET" else "HX-Replace-Url"
        response.headers[header] = request.full_path.rstrip("?")
    return response


def _see_other(url: str) -> Response:
    return redirect(url, code=303)


def _proceed(screening: Screening, progress: Progress) -> Response:
    """After a successful answer, go on to the next page of the flow."""
    return _go(_next_url(screening, progress), lambda: _next_page(screening, progress))


def _go(url: str, page: Callable[[], Response]) -> Response:
    """After a successful POST, go to `url`.

    Without JavaScript: 303 (POST-redirect-GET). An htmx request gets the page itself with
    `HX-Push-Url`, so the address bar and history still follow the flow: one round trip
    instead of two on a slow mobile network, and no second Redis read.
    """
    htmx = _htmx()
    if not htmx or htmx.history_restore_request:
        return _see_other(url)
    response = page()
    response.headers.pop("HX-Replace-Url", None)
    response.headers["HX-Push-Url"] = url
    return response


def _next_page(screening: Screening, progress: Progress) -> Response:
    """The page at `_next_url`, rendered from the screening already in hand."""
    if progress.next_question:
        qid = progress.next_question
        return _show_question(screening, qid, progress, _chosen(screening.answers.get(qid)))
    if progress.early and screening.finished:
        return _show_outcome(screening, progress)
    return _show_check(screening, progress)


def _load(sid: str) -> Screening:
    screening = _store().load(sid)
    if screening is None:
        raise ScreeningGone(sid)
    _location(screening.location)
    use_screening_lang(screening.lang)
    return screening


def _question_url(sid: str, qid: str) -> str:
    return url_for("screening.question_page", sid=sid, qid=qid)


def _next_url(screening: Screening, progress: Progress) -> str:
    """Where the flow goes now: the next question, the outcome after an early end, or check."""
    if progress.next_question:
        return _question_url(screening.sid, progress.next_question)
    if progress.early and screening.finished:
        return url_for("screening.outcome_page", sid=screening.sid)
    return url_for("screening.check_page", sid=screening.sid)


def _askable(qid: str, progress: Progress) -> bool:
    return qid in progress.path or qid == progress.next_question


def _back_url(screening: Screening, qid: str, progress: Progress) -> str:
    path = progress.path
    earlier = path[: path.index(qid)] if qid in path else path
    if earlier:
        return _question_url(screening.sid, earlier[-1])
    return url_for("screening.landing", loc=screening.location)


def _announce(done: FinishedScreening) -> None:
    """Tell the listeners (staff board, SMS); a failing listener never breaks the client."""
    for listener in current_app.extensions["clotcheck.on_finish"]:
        try:
            listener(done)
        except Exception:
            current_app.logger.exception("on_finish listener %r failed for %s", listener,
                                         done.sid)


# -- landing --------------------------------------------------------------------------------

@bp.get("/")
def landing() -> Response:
    location = _location(request.args.get("loc"))
    return _render("landing.html", location=location)


@bp.get("/advice")
def advice() -> Response:
    """What to do if you feel unwell now: configuration only, so it works without Redis."""
    location = _location(request.args.get("loc"))
    return _render("advice.html", location=location)


@bp.get("/start")
def start_again() -> Response:
    """A bookmarked or reloaded /start: back to the landing page rather than a 405."""
    return _see_other(url_for("screening.landing", loc=request.args.get("loc")))


@bp.post("/start")
def start() -> Response:
    location = _location(request.form.get("loc"))
    screening = _store().create(location.slug, current_lang())
    return _proceed(screening, screening.progress)


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
    return _render("question.html", status, screening=screening, view=view, q=view.question,
                   error=error, back_url=_back_url(screening, qid, progress))


def _known_question(qid: str) -> None:
    if qid not in QUESTION_IDS:
        raise NotFound()


def _on_path(sid: str, qid: str) -> tuple[Screening, Response | None]:
    """The screening, and a redirect to the right page when `qid` is not askable now."""
    _known_question(qid)
    screening = _load(sid)
    if _askable(qid, screening.progress):
        return screening, None
    return screening, _see_other(_next_url(screening, screening.progress))


@bp.get("/s/<sid>/q/<qid>")
def question_page(sid: str, qid: str) -> Response:
    screening, elsewhere = _on_path(sid, qid)
    if elsewhere:
        return elsewhere
    return _show_question(screening, qid, screening.progress,
                          _chosen(screening.answers.get(qid)))


def _submitted(screening: Screening, qid: str) -> str | list[str]:
    values = request.form.getlist(qid)
    if screening.questionnaire.question(qid).kind is Kind.RADIO and len(values) == 1:
        return values[0]
    return values


@bp.post("/s/<sid>/q/<qid>")
def answer_question(sid: str, qid: str) -> Response:
    screening, elsewhere = _on_path(sid, qid)
    if elsewhere:
        return elsewhere
    progress = screening.progress
    value = _submitted(screening, qid)
    try:
        screening, done = _store().record_answer(screening, qid, value)
    except flow.AnswerError as error:
        kept = frozenset(request.form.getlist(qid))
        return _show_question(screening, qid, progress, kept, answer_error_text(error),
                              status=400)
    if done is not None:
        _announce(done)
    return _proceed(screening, screening.progress)


def answer_error_text(error: flow.AnswerError) -> str:
    """The core's English message in the client's language (its option labels too)."""
    return gettext(error.msgid, **{name: gettext(value) for name, value in error.params.items()})


def show_expired_question() -> Response | None:
    """After a failed CSRF check: the same question with the choices kept and a fresh token
    (None when that cannot be shown; the caller then shows a general page)."""
    args = request.view_args or {}
    sid, qid = str(args.get("sid", "")), str(args.get("qid", ""))
    if qid not in QUESTION_IDS:
        return None
    try:
        screening = _store().load(sid)
    except redis.RedisError:
        return None
    if screening is None:
        return None
    _location(screening.location)
    use_screening_lang(screening.lang)
    progress = screening.progress
    if not _askable(qid, progress):
        return None
    kept = frozenset(request.form.getlist(qid))
    return _show_question(screening, qid, progress, kept, gettext(EXPIRED_MESSAGE), status=400)


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
    screening = _load(sid)
    progress = screening.progress
    if progress.next_question:
        return _see_other(_next_url(screening, progress))
    return _show_check(screening, progress)


def _show_check(screening: Screening, progress: Progress) -> Response:
    back = _question_url(screening.sid, progress.path[-1]) if progress.path else url_for(
        "screening.landing", loc=screening.location)
    return _render("check.html", screening=screening, rows=_rows(screening, progress),
                   back_url=back)


@bp.post("/s/<sid>/check")
def confirm_answers(sid: str) -> Response:
    screening = _load(sid)
    try:
        screening, done = _store().finish(screening)
    except NotComplete:
        return _see_other(_next_url(screening, screening.progress))
    if done is not None:
        _announce(done)
    url = url_for("screening.outcome_page", sid=sid)
    return _go(url, lambda: _show_outcome(screening, screening.progress))


# -- outcome --------------------------------------------------------------------------------

@bp.get("/s/<sid>/outcome")
def outcome_page(sid: str) -> Response:
    screening = _load(sid)
    progress = screening.progress
    if not screening.finished or screening.outcome is None:
        return _see_other(_next_url(screening, progress))
    return _show_outcome(screening, progress)


def _show_outcome(screening: Screening, progress: Progress) -> Response:
    outcome = screening.outcome
    assert outcome is not None
    sid = screening.sid
    # After an early end there was no check page: "change my answers" opens the question
    # that decided it (most likely the mis-tap); its Back link leads to the earlier ones.
    change_url = (_question_url(sid, progress.path[-1] if progress.path else FIRST_QUESTION)
                  if progress.early else url_for("screening.check_page", sid=sid))
    number = g.location.emergency_number
    return _render(
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


# -- shared context and errors -------------------------------------------------------------

@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    location = g.get("location") or current_app.extensions["locations"].default
    number = location.emergency_number
    hours = max(1, current_app.config["SCREENING_TTL"] // 3600)
    return {
        "kept_for": ngettext("%(num)s hour", "%(num)s hours", hours),
        "location": location,
        "clinic_name": location.name,
        "emergency_number": number,
        "emergency_tel": "tel:" + "".join(c for c in number if c.isdigit() or c == "+"),
    }


@bp.after_app_request
def _vary(response: Response) -> Response:
    # The same URL answers differently with HX-Request, so caches must key on it.
    response.vary.add("HX-Request")
    return response


@bp.app_errorhandler(ScreeningGone)
def _gone(_: ScreeningGone) -> Response:
    return _render("gone.html", 404)


@bp.app_errorhandler(ScreeningConflict)
def _conflict(_: ScreeningConflict) -> Response:
    return _render("error.html", 409, heading=gettext("Your answers changed in another window"),
                   message=gettext("We did not save this answer, so nothing was mixed up. "
                                   "Please try again."), retry_url=_retry_url())


@bp.app_errorhandler(NotFound)
def _not_found(_: HTTPException) -> Response:
    return _render("not_found.html", 404)


@bp.app_errorhandler(redis.RedisError)
def _redis_down(_: redis.RedisError) -> Response:
    current_app.logger.exception("Redis unavailable during %s %s", request.method, request.path)
    response = _render("unavailable.html", 503, retry_url=_retry_url())
    response.headers["Retry-After"] = "10"
    return response


def _retry_url() -> str:
    """A GET that repeats what the person was doing (a POST is retried from its form page)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if request.endpoint == "screening.start":
        return url_for("screening.landing", loc=request.form.get("loc"))
    return request.path
