"""Flask-Babel wiring: which language a client page is in.

Order: the screening's stored language (so every step, the outcome and its forms stay in the
language the check was started in), else `?lang=` (a link or a Spanish poster's QR URL; also
remembered in the session for pages without a screening), else the browser's Accept-Language.
Staff pages are English (their words are not in the catalog, and their page shell is forced
to English); a poster is in the language its URL asks for.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from flask import Flask, Response, g, request, session
from flask_babel import Babel, get_locale, refresh
from werkzeug.exceptions import HTTPException

from checker.catalog import DEFAULT_LANG, LANGUAGES, TRANSLATIONS_DIR, compile_catalogs
from checker.catalog import normalise_lang as _normalise
from checker.wording import emergency_signs, emergency_signs_sentence

SESSION_KEY = "lang"
STAFF_BLUEPRINTS = ("staff", "staff_signin")
# Pages where a ?lang= choice is remembered for later pages without a screening (never on
# publicly cached ones such as the poster and the clearance form: no cookie there).
REMEMBER_ON = ("screening.landing", "screening.advice", "screening.start")


def select_lang() -> str:
    """The language for this request (see the module docstring)."""
    if _staff_page():
        return DEFAULT_LANG
    if request.endpoint == "reception.poster":
        # A printed poster is in the language asked for, whoever prints it (its QR code
        # carries the same ?lang=).
        return _normalise(request.args.get("lang")) or DEFAULT_LANG
    stored = _normalise(g.get("screening_lang"))
    if stored:
        return stored
    chosen = _normalise(request.args.get("lang"))
    if not chosen and request.endpoint == "screening.start":  # the landing form's hidden field
        chosen = _normalise(_form_lang())
    if chosen:
        if request.endpoint in REMEMBER_ON and session.get(SESSION_KEY) != chosen:
            session[SESSION_KEY] = chosen
        return chosen
    remembered = _normalise(session.get(SESSION_KEY))
    if remembered:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANG) or DEFAULT_LANG


def _staff_page() -> bool:
    # Staff pages share base.html; their words are English, so the page shell must be too
    # (a Spanish header around English content would also mislabel it for screen readers).
    return request.blueprint in STAFF_BLUEPRINTS or request.path.startswith("/staff/")


def _form_lang() -> str | None:
    try:
        return request.form.get("lang")
    except HTTPException:  # e.g. the body was too large: that error page must still render
        return None


def use_screening_lang(lang: str | None) -> None:
    """Pin this request to the language stored with the screening."""
    if _normalise(lang) and g.get("screening_lang") != lang:
        g.screening_lang = lang
        refresh()  # a string may already have been translated with the guessed language


def current_lang() -> str:
    return str(get_locale() or DEFAULT_LANG)


# When a text is due, in the location's zone (already set on the datetime).
_WHEN_PATTERNS = {"en": "EEEE d MMMM 'at' h:mm a", "es": "EEEE d 'de' MMMM 'a las' H:mm"}


def local_when(when: datetime) -> str:
    lang = current_lang()
    return format_datetime(when, _WHEN_PATTERNS.get(lang, _WHEN_PATTERNS[DEFAULT_LANG]),
                           tzinfo=when.tzinfo, locale=lang)


def init_i18n(app: Flask) -> None:
    """Compile the catalogs if needed and install Flask-Babel with our selector."""
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANG)
    Babel(app, locale_selector=select_lang)
    # `{% trans %}` blocks ignore line breaks and indentation in the templates.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        current_lang=current_lang, languages=LANGUAGES,
        emergency_signs=lambda: emergency_signs(current_lang()),
        emergency_signs_sentence=lambda: emergency_signs_sentence(current_lang()))
    app.jinja_env.filters["local_when"] = local_when
    app.after_request(_vary_on_language)


def _vary_on_language(response: Response) -> Response:
    if request.endpoint != "static":
        response.vary.add("Accept-Language")  # the default language comes from it
    return response
