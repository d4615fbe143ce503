"""QR codes for the reception poster: the location's start URL as SVG and PNG (segno).

Error correction level Q (25 %) keeps a printed poster scannable with a crease, glare or a
bit of tape over it; segno's default `boost_error` raises it further when that costs nothing.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno

# Quiet zone of 4 modules: the QR standard's minimum for reliable scanning.
BORDER = 4
PNG_SCALE = 12  # ~500 px for a typical code: sharp when printed at poster size
SVG_SCALE = 8


def start_url(public_base_url: str, slug: str, lang: str | None = None) -> str:
    """The address a client opens for this location: `<base>/?loc=<slug>`, with `&lang=es`
    for a Spanish-language poster."""
    query = {"loc": slug, **({"lang": lang} if lang else {})}
    return public_base_url.rstrip("/") + "/?" + urlencode(query)


def qr_code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="q")


def qr_svg(url: str, title: str | None = None) -> str:
    """A standalone SVG document (no XML declaration, so it can also be inlined in HTML)."""
    out = io.BytesIO()
    qr_code(url).save(
        out,
        kind="svg",
        xmldecl=False,
        scale=SVG_SCALE,
        border=BORDER,
        title=title,
        svgclass="qr-code",
        lineclass=None,
        # Scales to its container (poster print CSS) without blurring.
        omitsize=True,
    )
    return out.getvalue().decode("utf-8")


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=PNG_SCALE, border=BORDER)
    return out.getvalue()
