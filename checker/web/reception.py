"""Reception paper: the QR poster per location and the physician clearance form.

Both are public on purpose: the poster only shows the start URL, and the clearance form is a
blank form the client takes to their doctor (linked from the `defer` outcome and reminders).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, g, render_template, request
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.routing import BaseConverter

from checker.catalog import DEFAULT_LANG, normalise_lang
from checker.locations import Location
from checker.poster import qr_png, qr_svg, start_url
from checker.web.i18n import fix_lang
from checker.web.pages import services

bp = Blueprint("reception", __name__)

PAPERS = ("auto", "a4", "letter")
# The poster changes only with the configuration: let browsers and printers cache briefly.
CACHE = "public, max-age=300"


class SlugConverter(BaseConverter):
    """A location slug: never contains '.', so /poster/<slug>.svg cannot be mistaken."""

    regex = r"[a-z0-9-]+"


def _location(slug: str) -> Location:
    location = services().locations.get(slug)
    if location is None:
        abort(404)
    g.location = location  # header: this location's name and emergency number
    return location


def poster_lang() -> str | None:
    """`?lang=es`: a Spanish-language poster whose QR code opens the check in Spanish."""
    lang = normalise_lang(request.args.get("lang"))
    return None if lang in (None, DEFAULT_LANG) else lang


def location_start_url(location: Location) -> str:
    """The start URL printed on the poster; PUBLIC_BASE_URL, else the address in use."""
    base = services().settings.public_base_url or request.host_url
    return start_url(base, location.slug, poster_lang())


def _cached(body: Any, mimetype: str, filename: str | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/poster/<slug:slug>")
def poster(slug: str) -> Response:
    # A printed poster is in the language asked for, whoever prints it (its QR code carries
    # the same ?lang=).
    fix_lang(request.args.get("lang"))
    location = _location(slug)
    url = location_start_url(location)
    paper = request.args.get("paper", "auto")
    if paper not in PAPERS:
        paper = "auto"
    svg = qr_svg(url, title=gettext("QR code for %(url)s", url=url))
    html = render_template("reception/poster.html", location=location, url=url, paper=paper,
                           lang=poster_lang(),
                           qr=Markup(svg), base_url_set=bool(
                               services().settings.public_base_url), partial=False)
    return _cached(html, "text/html")


@bp.get("/poster/<slug:slug>.svg")
def poster_svg(slug: str) -> Response:
    location = _location(slug)
    url = location_start_url(location)
    return _cached(qr_svg(url, title=f"QR code for {url}"), "image/svg+xml",
                   f"clotcheck-{slug}{_suffix()}-qr.svg")


@bp.get("/poster/<slug:slug>.png")
def poster_png(slug: str) -> Response:
    location = _location(slug)
    return _cached(qr_png(location_start_url(location)), "image/png",
                   f"clotcheck-{slug}{_suffix()}-qr.png")


def _suffix() -> str:
    lang = poster_lang()
    return f"-{lang}" if lang else ""


@bp.get("/clearance/<slug:slug>")
def clearance_form(slug: str) -> Response:
    location = _location(slug)
    html = render_template("reception/clearance.html", location=location, partial=False)
    response = _cached(html, "text/html")
    response.vary.update(("Accept-Language", "Cookie"))  # the form is in the client's language
    return response


def init_reception(app: Flask) -> None:
    """Poster and clearance form routes (public)."""
    app.url_map.converters.setdefault("slug", SlugConverter)
    app.register_blueprint(bp)
