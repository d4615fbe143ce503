"""QR poster: the printed code decodes (with a real decoder) to the location's start URL."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from staff_support import PUBLIC_BASE_URL

from checker.poster import qr_png, qr_svg, start_url


def decode(png: bytes, tmp_path: Path) -> str:
    """Decode with zbar, a real QR reader (not the library that drew the code)."""
    if shutil.which("zbarimg") is None:
        message = "zbarimg is missing: apt-get install zbar-tools to decode the QR code"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: the QR test may not skip)")
        pytest.skip(message)
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(path)], capture_output=True,
                            text=True, timeout=30, check=True)
    return result.stdout.strip()


def test_start_url() -> None:
    assert start_url("https://clinic.example", "a") == "https://clinic.example/?loc=a"
    assert start_url("https://clinic.example/", "down-town") == \
        "https://clinic.example/?loc=down-town"
    assert start_url("https://x.example/checker/", "b") == "https://x.example/checker/?loc=b"


def test_png_decodes_to_the_start_url(tmp_path: Path) -> None:
    url = "https://clinic.example/?loc=harbour-2"
    assert decode(qr_png(url), tmp_path) == url


def test_svg_is_a_scalable_svg() -> None:
    svg = qr_svg("https://clinic.example/?loc=a", title="QR code")
    assert svg.startswith("<svg") and "viewBox" in svg and "<title>QR code</title>" in svg
    assert "<?xml" not in svg  # can be inlined in the poster page


@pytest.mark.parametrize("slug", ["a", "b"])
def test_served_png_decodes_to_each_locations_url(staff_app: Flask, slug: str,
                                                  tmp_path: Path) -> None:
    response = staff_app.test_client().get(f"/poster/{slug}.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert decode(response.data, tmp_path) == f"{PUBLIC_BASE_URL}/?loc={slug}"


def test_poster_page(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/poster/b")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Beta Wellness" in page
    assert "Scan before your massage" in page
    assert f"{PUBLIC_BASE_URL}/?loc=b" in page  # the URL in text for people who cannot scan
    assert "<svg" in page  # QR drawn inline on the server
    assert "call 999 now" in page  # this location's emergency number
    assert "print.css" in page
    assert "style=" not in page and "<script>" not in page  # strict CSP: no inline code


def test_poster_svg_download(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/poster/a.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith("<svg")


@pytest.mark.parametrize("path", ["/poster/nowhere", "/poster/nowhere.svg",
                                  "/poster/nowhere.png", "/clearance/nowhere", "/poster/A"])
def test_unknown_location_is_404(staff_app: Flask, path: str) -> None:
    assert staff_app.test_client().get(path).status_code == 404


def test_paper_choice(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert 'poster--letter' in client.get("/poster/a?paper=letter").get_data(as_text=True)
    assert 'poster--a4' in client.get("/poster/a?paper=a4").get_data(as_text=True)
    assert 'poster--auto' in client.get("/poster/a?paper=tabloid").get_data(as_text=True)


def test_without_public_base_url_the_request_host_is_used(app: Flask) -> None:
    app.config["PUBLIC_BASE_URL"] = None
    page = app.test_client().get("/poster/main", base_url="http://desk.local:5000")
    text = page.get_data(as_text=True)
    assert "http://desk.local:5000/?loc=main" in text
    assert "PUBLIC_BASE_URL is not" in text  # tells the clinic to check the address
