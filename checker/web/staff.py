"""Staff pages under /staff/: sign-in, today's board per location, clearance, CSV export.

Access is default-deny: the blueprint's before_request turns away every request without a
valid staff session, so a route added later cannot be left open by mistake (the tests walk
the URL map). `staff_required` does the same for staff views in other blueprints (SMS work).

Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax, Secure configurable), cleared and
re-issued at sign-in. The session names an account *generation*: removing an account or
resetting its password ends its sessions at once. Failed sign-ins are rate-limited per IP and
per username with Flask-Limiter, counted in the app's Redis.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from checker.checkins import (
    DEFAULT_RETENTION_DAYS,
    Checkin,
    CheckinBook,
    ClearanceError,
    local_day,
    parse_clearance,
    record_finished,
)
from checker.crypto import tagger_for
from checker.locations import Location
from checker.outcome import Level
from checker.sms.keys import key_settings
from checker.staff import StaffAccounts, StaffError, normalise_username
from checker.web.reception import init_reception
from checker.wording import flag_texts

bp = Blueprint("staff", __name__, url_prefix="/staff")
# Sign-in is the one staff page open to everybody; it has its own blueprint so the rate limit
# can be attached to it per app.
signin_bp = Blueprint("staff_signin", __name__, url_prefix="/staff")

SESSION_USER = "staff_user"
SESSION_GENERATION = "staff_generation"
SESSION_SINCE = "staff_since"
DEFAULT_SESSION_HOURS = 12
DEFAULT_SIGNIN_LIMIT = "5 per minute"
POLL_SECONDS = 5

# Short, clear badge words for staff (the client sees checker.wording.LEVEL_TITLE).
LEVEL_BADGE: dict[Level, tuple[str, str]] = {
    Level.EMERGENCY: ("Emergency", "call the emergency number; no massage"),
    Level.URGENT: ("Urgent", "no massage; medical help today"),
    Level.DEFER: ("Defer", "no massage until a doctor's written clearance"),
    Level.MODIFIED: ("Modified", "massage with the changes listed"),
    Level.PROCEED: ("Proceed", "standard massage"),
}


# -- sessions -----------------------------------------------------------------------------

def _accounts() -> StaffAccounts:
    return current_app.extensions["clotcheck.staff"]


def _book() -> CheckinBook:
    return current_app.extensions["clotcheck.checkins"]


def current_staff() -> str | None:
    """The signed-in username, or None (unknown, removed, reset or expired session)."""
    if "staff_user" in g:
        return g.staff_user
    g.staff_user = None
    name, generation = session.get(SESSION_USER), session.get(SESSION_GENERATION)
    since = session.get(SESSION_SINCE)
    if not (isinstance(name, str) and isinstance(generation, str) and isinstance(since, str)):
        return None
    hours = current_app.config["STAFF_SESSION_HOURS"]
    try:
        expired = datetime.now(UTC) - datetime.fromisoformat(since) > timedelta(hours=hours)
    except ValueError:
        return None
    account = _accounts().get(name)
    if expired or account is None or account.generation != generation:
        session.clear()
        return None
    g.staff_user = name
    return name


def _turn_away() -> Response:
    """Signed out: a GET goes to sign-in (htmx: via HX-Redirect); an action gets 401."""
    # After sign-in, come back to the page (an action's URL cannot be reopened with a GET).
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    if request.headers.get("HX-Request") and request.headers.get("HX-Current-URL"):
        back = urlsplit(request.headers["HX-Current-URL"]).path
    target = url_for("staff_signin.sign_in", next=back)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return redirect(target, code=303)
    response = make_response(render_template("staff/signed_out.html", sign_in_url=target), 401)
    response.headers["HX-Redirect"] = target
    return response


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For staff views outside this blueprint: sign-in required, as on every /staff/ page."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return _turn_away()
        return view(*args, **kwargs)

    return wrapper


def _check_csrf() -> None:
    """Staff forms carry a Flask-WTF CSRF token; skipped when CSRFProtect guards the app."""
    if request.method != "POST" or "csrf" in current_app.extensions:
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        raise CSRFError(exc.args[0] if exc.args else "The CSRF token is missing.") from exc


@bp.before_request
def _require_staff() -> Response | None:
    if current_staff() is None:
        return _turn_away()
    _check_csrf()
    return None


@signin_bp.before_request
def _signin_csrf() -> None:
    _check_csrf()


def _safe_next(target: str | None) -> str:
    """Only a path on this site under /staff/ (no open redirect)."""
    default = url_for("staff.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") \
            or target.startswith("//") or "\\" in target:
        return default
    return target


# -- sign-in / sign-out -------------------------------------------------------------------

@signin_bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str:
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(next_url, code=303)
        return _page("staff/sign_in.html", next_url=next_url, username="",
                     signed_out=request.args.get("signed_out") == "1")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    account = _accounts().verify(username, password) if username and password else None
    if account is None:
        g.staff_signin_failed = True
        error = ("Enter your username and password." if not (username and password)
                 else "The username or password is not right.")
        return _page("staff/sign_in.html", 422, next_url=next_url, username=username,
                     error=error)
    # A fresh session: nothing from before sign-in (e.g. a planted cookie) is carried over.
    session.clear()
    session[SESSION_USER] = account.username
    session[SESSION_GENERATION] = account.generation
    session[SESSION_SINCE] = datetime.now(UTC).isoformat()
    return redirect(next_url, code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    session.clear()
    return redirect(url_for("staff_signin.sign_in", signed_out="1"), code=303)


# -- board --------------------------------------------------------------------------------

def _location(slug: str) -> Location:
    location = current_app.extensions["locations"].get(slug)
    if location is None:
        abort(404)
    g.location = location  # the page header shows this location's name and emergency number
    return location


def _day(location: Location) -> tuple[str, bool]:
    """The requested local day (?day=YYYY-MM-DD, default today) and whether it is today."""
    today = local_day(datetime.now(UTC), location.tz)
    raw = request.args.get("day") or today
    try:
        day = date.fromisoformat(raw).isoformat()
    except ValueError:
        abort(404)
    return day, day == today


@bp.get("/")
def index() -> Response | str:
    locations = list(current_app.extensions["locations"])
    if len(locations) == 1:
        return redirect(url_for("staff.board", slug=locations[0].slug), code=303)
    counts = {loc.slug: len(_book().day(loc.slug, local_day(datetime.now(UTC), loc.tz)))
              for loc in locations}
    return _page("staff/index.html", locations=locations, counts=counts)


@bp.get("/board/<slug>")
def board(slug: str) -> Response | str:
    location = _location(slug)
    day, today = _day(location)
    checkins = _book().day(slug, day)
    context = {"location": location, "day": day, "today": today, "checkins": checkins,
               "texts": _texts_by_code(slug), "sms_enabled": _sms() is not None,
               "prev_day": (date.fromisoformat(day) - timedelta(days=1)).isoformat()}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board":
        return _page("staff/_board.html", **context)
    return _page("staff/board.html", **context)


@bp.post("/checkins/<cid>/seen")
def mark_seen(cid: str) -> Response:
    checkin = _checkin(cid)
    _book().mark_seen(cid, current_staff() or "")
    return redirect(_board_url(checkin) + f"#checkin-{cid}", code=303)


@bp.route("/checkins/<cid>/clearance", methods=["GET", "POST"])
def clearance(cid: str) -> Response | str:
    checkin = _checkin(cid)
    location = _location(checkin.location)
    form = {"signed_on": request.form.get("signed_on", ""),
            "limits": request.form.get("limits", "")}
    if request.method == "GET":
        return _page("staff/clearance.html", checkin=checkin, location=location, form=form,
                     errors={})
    today = datetime.now(UTC).astimezone(location.tz).date()
    try:
        signed_on, limits = parse_clearance(form["signed_on"], form["limits"], today)
    except ClearanceError as exc:
        return _page("staff/clearance.html", 422, checkin=checkin, location=location,
                     form=form, errors=exc.errors, error=True)
    if not _book().record_clearance(cid, signed_on, limits, current_staff() or ""):
        abort(404)
    return redirect(_board_url(checkin) + f"#checkin-{cid}", code=303)


def _checkin(cid: str) -> Checkin:
    checkin = _book().get(cid)
    if checkin is None:
        abort(404)
    return checkin


def _board_url(checkin: Checkin) -> str:
    return url_for("staff.board", slug=checkin.location, day=checkin.day)


# -- export -------------------------------------------------------------------------------

CSV_COLUMNS = ("date", "time", "code", "location", "level", "therapist_flags", "reasons",
               "questionnaire_version", "finished_again", "seen_at", "seen_by",
               "clearance_signed_on", "clearance_limits", "clearance_recorded_by",
               "client_reported_clearance")


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(c: Checkin, location: Location) -> list[str]:
    tz = location.tz
    clear = c.clearance
    row = [c.day, c.local_time(tz).strftime("%H:%M"), c.display_code, location.slug,
           c.level.value, "; ".join(flag_texts(c.outcome)), "; ".join(c.reasons),
           c.version, "yes" if c.finishes > 1 else "no",
           c.seen_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if c.seen_at else "",
           c.seen_by or "", clear.signed_on.isoformat() if clear else "",
           clear.limits if clear else "", clear.recorded_by if clear else "",
           "; ".join(c.client_notes)]
    return [_cell(v) for v in row]


@bp.get("/board/<slug>/export.csv")
def export(slug: str) -> Response:
    """The day's check-ins for the clinic's records. Holds no phone numbers."""
    location = _location(slug)
    day, _ = _day(location)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for checkin in reversed(_book().day(slug, day)):  # oldest first, as a record
        writer.writerow(_csv_row(checkin, location))
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="clotcheck-{slug}-{day}.csv"')
    return response


# -- messages -----------------------------------------------------------------------------

def _sms() -> Any:
    """The SMS service (checker.sms.service.SmsService) when the SMS work is wired."""
    return current_app.extensions.get("sms")


def _texts_by_code(slug: str) -> dict[str, list[Any]]:
    """Recent texts of one location keyed by check-in code, for the board's Texts column."""
    sms = _sms()
    if sms is None:
        return {}
    found: dict[str, list[Any]] = {}
    for message in sms.messages(300):
        if message.location == slug and message.code:
            found.setdefault(message.code.replace("-", ""), []).append(message)
    return found


@bp.get("/messages")
def messages() -> str:
    sms = _sms()
    context: dict[str, Any] = {"sms": sms}
    if sms is not None:
        from checker.sms.phones import mask

        context.update(reminders=sms.reminders(), sent=sms.messages(100),
                       outbox=[{**item, "to": mask(item.get("to", ""))}
                               for item in sms.outbox(50)])
    return _page("staff/messages.html", **context)


@bp.post("/reminders/cancel")
def cancel_reminder() -> Response:
    sms = _sms()
    if sms is None:
        abort(404)
    if not sms.cancel_reminder(request.form.get("key", "")):
        return _page("staff/problem.html", 409, heading="This reminder could not be cancelled",
                     message="It may have been sent or cancelled already. Go back to the "
                     "messages page to see its state.")
    return redirect(url_for("staff.messages") + "#reminders", code=303)


# -- rendering and errors -----------------------------------------------------------------

def _page(template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("partial", False)
    response = make_response(render_template(template, **context), status)
    return response


@bp.after_request
@signin_bp.after_request
def _no_store(response: Response) -> Response:
    # Health information: never kept by browsers, proxies or the back-forward cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
@signin_bp.errorhandler(CSRFError)
def _csrf_failed(_: CSRFError) -> Response:
    return _page("staff/problem.html", 400, heading="This form has expired",
                 message="For your security the form was not sent. Go back, reload the page "
                 "and try again.")


def _too_many(limit: RequestLimit) -> Response:
    response = _page("staff/problem.html", 429, heading="Too many sign-in attempts",
                     message="Sign-in is paused for a minute after several wrong passwords. "
                     "Wait a minute, then try again. If you have forgotten your password, ask "
                     "the clinic owner to reset it.")
    response.headers["Retry-After"] = str(max(1, int(limit.reset_at - datetime.now().timestamp())))
    return response


@bp.app_context_processor
def _staff_context() -> dict[str, Any]:
    return {"level_badge": LEVEL_BADGE, "flag_texts": flag_texts, "poll_seconds": POLL_SECONDS,
            "retention_days": current_app.config.get("RETENTION_DAYS"),
            "staff_user": g.get("staff_user")}


# -- wiring -------------------------------------------------------------------------------

def _env_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _configure(app: Flask) -> None:
    env = os.environ
    app.config.setdefault("PUBLIC_BASE_URL", env.get("PUBLIC_BASE_URL"))
    app.config["RETENTION_DAYS"] = int(app.config.get("RETENTION_DAYS")
                                       or env.get("RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    app.config["STAFF_SESSION_HOURS"] = int(app.config.get("STAFF_SESSION_HOURS")
                                            or DEFAULT_SESSION_HOURS)
    app.config.setdefault("STAFF_SIGNIN_LIMIT", DEFAULT_SIGNIN_LIMIT)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if "SESSION_COOKIE_SECURE" in env:
        app.config["SESSION_COOKIE_SECURE"] = _env_bool(env["SESSION_COOKIE_SECURE"])


def _storage_uri(app: Flask) -> str:
    """A limits storage URI for the app's Redis (the pool is passed too, so auth/TLS match)."""
    kwargs = app.extensions["redis"].connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"redis+unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _signin_failed(_: Response) -> bool:
    return bool(g.get("staff_signin_failed"))


def _signin_username() -> str:
    return "user:" + normalise_username(request.form.get("username", ""))[:64]


def _init_limiter(app: Flask) -> Limiter:
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=_storage_uri(app),
        storage_options={"connection_pool": app.extensions["redis"].connection_pool,
                         "key_prefix": app.config["REDIS_KEY_PREFIX"] + "limits"},
        strategy="moving-window",
        on_breach=_too_many,
    )
    rate = app.config["STAFF_SIGNIN_LIMIT"]
    # Only failed attempts count; staff who type their password right are never held up.
    limiter.limit(rate, methods=["POST"], deduct_when=_signin_failed)(signin_bp)
    limiter.limit(rate, methods=["POST"], deduct_when=_signin_failed,
                  key_func=_signin_username)(signin_bp)
    return limiter


def init_staff(app: Flask) -> None:
    """Staff pages, the `flask staff` CLI, the check-in listener and the sign-in limiter.

    Also registers the reception routes (poster, clearance form), which staff pages link to.
    """
    _configure(app)
    init_reception(app)
    redis_client, prefix = app.extensions["redis"], app.config["REDIS_KEY_PREFIX"]
    app.extensions["clotcheck.staff"] = StaffAccounts(redis_client, prefix)
    app.extensions["clotcheck.checkins"] = CheckinBook(
        redis_client, prefix, app.config["RETENTION_DAYS"], crypto=app.extensions["crypto"],
        tagger=tagger_for(key_settings(app.config)))
    app.extensions["clotcheck.on_finish"].append(record_finished)
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    app.register_blueprint(signin_bp)
    app.register_blueprint(bp)
    app.extensions["clotcheck.limiter"] = _init_limiter(app)
    app.cli.add_command(staff_cli)


# -- CLI: flask --app app staff add|remove|list -------------------------------------------

staff_cli = AppGroup("staff", help="Manage staff accounts (stored in Redis).")


def _read_password(password_stdin: bool) -> str:
    if password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@staff_cli.command("add")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (automatic when it is not a TTY).")
@click.option("--replace", is_flag=True, help="Reset the password of an existing account.")
def add_command(username: str, password_stdin: bool, replace: bool) -> None:
    """Add a staff account (or reset its password with --replace)."""
    password = _read_password(password_stdin)
    try:
        account = _accounts().add(username, password, replace=replace)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'Password reset for' if replace else 'Added'} {account.username}.")


@staff_cli.command("remove")
@click.argument("username")
def remove_command(username: str) -> None:
    """Remove a staff account; its sessions end at once."""
    if not _accounts().remove(username):
        raise click.ClickException(f"There is no account called {normalise_username(username)!r}.")
    click.echo(f"Removed {normalise_username(username)}.")


@staff_cli.command("list")
def list_command() -> None:
    """List staff usernames."""
    for name in _accounts().usernames():
        click.echo(name)
