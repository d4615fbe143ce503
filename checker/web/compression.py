"""Response compression (Flask-Compress): the first page on a phone must stay under 30 KB.

htmx alone is ~51 KB uncompressed; brotli/gzip brings the landing page with its CSS and
scripts to well under the budget, and each htmx step to a few hundred bytes. gunicorn's
sync workers do not compress, and the Procfile has no proxy in front, so the app does it.

BREACH (guessing a secret from compressed sizes) needs a secret and attacker-chosen text in
one response. Our client pages reflect only option codes and known location slugs; the one
reflected free text (the staff sign-in `next` path) sits beside a Flask-WTF token whose
guessable part is useless without its signature, which changes every second.
"""

from __future__ import annotations

from flask import Flask

from checker.web.extensions import compress

# Text types we serve; images (PNG QR codes) are compressed already.
MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript",
             "application/json", "image/svg+xml", "text/csv", "text/plain"]


def init_compression(app: Flask) -> None:
    """Compress text responses with the best encoding the browser offers (zstd, br, gzip)."""
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    # Small bodies (303 redirects, short partials) gain nothing and cost CPU.
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Brotli first (smallest for text; every current phone browser sends `br`), level 5: most
    # of level 11's gain for a fraction of the CPU. Static files are streamed, with their own
    # list (gzip cannot stream in Flask-Compress).
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
