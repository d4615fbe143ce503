"""Flask-Babel wiring: which language a page is in.

Order: a language the blueprint fixed for its pages (staff pages: English; a poster: the one
its URL asks for), else the screening's stored language (so every step, the outcome and its
forms stay in the language the check was started in), else `?lang=` or a form's `lang` (a
link, a Spanish poster's QR URL, the landing form; remembered in the session where the
blueprint asks, for pages without a screening), else the browser's Accept-Language.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from babel.support import NullTranslations
from flask import Flask, Response, g, request, session
from flask_babel import get_locale, get_translations, refresh
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from checker.catalog import DEFAULT_LANG, LANGUAGES, TRANSLATIONS_DIR, check_catalogs
from checker.catalog import normalise_lang as _normalise
from checker.web.extensions import babel
from checker.wording import emergency_signs, emergency_signs_sentence

SESSION_KEY = "lang"
ENGLISH_PATHS = ("/staff/",)  # staff pages, found or not: their words are English


def select_lang() -> str:
    """The language for this request (see the module docstring)."""
    fixed = g.get("fixed_lang")
    if fixed:
        return fixed
    if request.path.startswith(ENGLISH_PATHS):
        return DEFAULT_LANG
    stored = _normalise(g.get("screening_lang"))
    if stored:
        return stored
    chosen = _normalise(request.args.get("lang")) or _normalise(g.get("form_lang"))
    if chosen:
        if g.get("remember_lang") and session.get(SESSION_KEY) != chosen:
            session[SESSION_KEY] = chosen
        return chosen
    remembered = _normalise(session.get(SESSION_KEY))
    if remembered:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANG) or DEFAULT_LANG


def fix_lang(lang: str | None) -> None:
    """This request's pages are in `lang` (a supported one; else the default)."""
    g.fixed_lang = _normalise(lang) or DEFAULT_LANG


def remember_lang(form_lang: str | None = None) -> None:
    """A ?lang= (or the form's `lang`) chosen on this page is kept for later pages."""
    g.remember_lang = True
    if form_lang:
        g.form_lang = form_lang


def use_screening_lang(lang: str | None) -> None:
    """Pin this request to the language stored with the screening."""
    if _normalise(lang) and g.get("screening_lang") != lang:
        g.screening_lang = lang
        refresh()  # a string may already have been translated with the guessed language


def template_translations() -> dict[str, object]:
    """`gettext`/`ngettext` for one page, bound to this request's catalog.

    Flask-Babel's template callables look the catalog up again for every string (a page has
    dozens); these resolve it once per page. Same behaviour as Jinja's new-style gettext:
    autoescaped results are Markup, and %(name)s placeholders are filled from the keywords.
    """
    translations: NullTranslations = get_translations()

    @pass_context
    def page_gettext(context: Context, message: str, /, **variables: object) -> str:
        text = translations.ugettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def page_ngettext(context: Context, singular: str, plural: str, num: int, /,
                      **variables: object) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": page_gettext, "ngettext": page_ngettext}


def current_lang() -> str:
    return str(get_locale() or DEFAULT_LANG)


# When a text is due, in the location's zone (already set on the datetime).
_WHEN_PATTERNS = {"en": "EEEE d MMMM 'at' h:mm a", "es": "EEEE d 'de' MMMM 'a las' H:mm"}


def local_when(when: datetime) -> str:
    lang = current_lang()
    return format_datetime(when, _WHEN_PATTERNS.get(lang, _WHEN_PATTERNS[DEFAULT_LANG]),
                           tzinfo=when.tzinfo, locale=lang)


def init_i18n(app: Flask) -> None:
    """Install Flask-Babel with our selector (catalogs are compiled at install time)."""
    check_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANG)
    babel.init_app(app, locale_selector=select_lang)
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
