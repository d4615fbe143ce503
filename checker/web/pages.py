"""How every page is answered: one render helper, one htmx-partial check, the services.

A page is one template. For an htmx request (not a history restore) only the body's content
is rendered (`partial`), and the URL it belongs to goes in HX-Push-Url / HX-Replace-Url.
Cache-Control: no-store is set for every page in one place (checker.web.security).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import ngettext

from checker.locations import Location
from checker.services import Services
from checker.web.extensions import htmx
from checker.web.i18n import template_translations


def services() -> Services:
    """The product's parts (checker.services), built once per app by create_app."""
    return current_app.extensions["clotcheck"]


def is_partial() -> bool:
    """True for an htmx request that swaps the page body (not a history restore)."""
    return bool(htmx) and not htmx.history_restore_request


def render(template: str, status: int = 200, *, partial: bool | None = None,
           track_url: bool = True, **context: Any) -> Response:
    """A full page, or for an htmx request only the body's content (same template).

    `track_url=False` for app-wide error pages: the address bar keeps what it shows.
    """
    partial = is_partial() if partial is None else partial
    context = {**template_translations(), **context}
    response = make_response(render_template(template, partial=partial, **context), status)
    if partial and track_url:
        # A boosted POST that ended on an error page stays at its URL; a GET (also the GET
        # after a 303) pushes the final URL explicitly.
        header = "HX-Push-Url" if request.method == "GET" else "HX-Replace-Url"
        response.headers[header] = request.full_path.rstrip("?")
    return response


def see_other(url: str) -> Response:
    return redirect(url, code=303)


def set_location(slug: str | None) -> Location:
    """The location this page is about (unknown slug: the default); the header shows its
    name and emergency number."""
    location = services().locations.resolve(slug)
    g.location = location
    return location


def page_context() -> dict[str, Any]:
    """What base.html needs on every page: the location's name and emergency number."""
    location = g.get("location") or services().locations.default
    number = location.emergency_number
    hours = max(1, services().settings.screening_ttl // 3600)
    return {
        "kept_for": ngettext("%(num)s hour", "%(num)s hours", hours),
        "location": location,
        "clinic_name": location.name,
        "emergency_number": number,
        "emergency_tel": "tel:" + "".join(c for c in number if c.isdigit() or c == "+"),
    }


def vary_on_htmx(response: Response) -> Response:
    # The same URL answers differently with HX-Request, so caches must key on it.
    response.vary.add("HX-Request")
    return response


def init_pages(app: Flask) -> None:
    app.context_processor(page_context)
    app.after_request(vary_on_htmx)
