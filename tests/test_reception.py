"""The printable physician clearance form, per location."""

from __future__ import annotations

from flask import Flask


def test_clearance_form_has_every_field(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/clearance/b")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-clearance-form="b"' in page and "Beta Wellness" in page
    for field in ("Clot resolved or stable", "Date of the follow-up scan",
                  "Current anticoagulant", "Pressure permitted", "Areas to avoid",
                  "Manual lymphatic drainage recommended", "away from the original clot site",
                  "Review date", "Signature", "Physician name"):
        assert field in page, field
    assert "A general note is not enough" in page
    assert "call 999" in page  # this location's emergency number
    assert "print.css" in page and "style=" not in page and "<script>" not in page


def test_clearance_form_per_location(staff_app: Flask) -> None:
    client = staff_app.test_client()
    assert "Alpha Massage Studio" in client.get("/clearance/a").get_data(as_text=True)
    assert client.get("/clearance/c").status_code == 404


def test_print_css_covers_a4_and_letter(staff_app: Flask) -> None:
    css = staff_app.test_client().get("/static/print.css").get_data(as_text=True)
    assert "@media print" in css
    assert "size: A4" in css and "size: letter" in css
