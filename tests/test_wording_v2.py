"""Questionnaire v2's wording requirements, on every page and text, in English and Spanish.

Every "call the emergency number now" list names the same six signs (a racing heartbeat and
the suddenly swollen blue, or cold pale numb, leg among them); the clot-signs list; the
therapist's instruction; client English is US English.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flows import WALKS, walk

from checker.catalog import TRANSLATIONS_DIR, translate
from checker.outcome import Level
from checker.sms import texts
from checker.wording import EMERGENCY_SIGNS, THERAPIST_INSTRUCTION, emergency_signs

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["en", "es"]


def plain(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def assert_names_every_emergency_sign(text: str, lang: str, where: str) -> None:
    text = " ".join(text.split())
    for sign in emergency_signs(lang):
        assert sign in text, (where, lang, sign)


def test_the_signs_are_the_six_of_the_v2_contract():
    assert EMERGENCY_SIGNS == (
        "sudden shortness of breath", "chest or upper-back pain", "coughing up blood",
        "fainting or nearly fainting", "a racing or pounding heartbeat",
        "a leg that suddenly becomes very swollen and blue, or cold, pale and numb")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/advice", "/poster/main", "/clearance/main"])
def test_pages_without_a_screening_name_every_sign(client, lang, path):
    page = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    assert_names_every_emergency_sign(plain(page), lang, path)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("level", ["urgent", "defer", "modified", "proceed"])
def test_outcome_pages_name_every_sign(client, lang, level):
    client.get(f"/?lang={lang}")  # remembered for the start
    url, _ = walk(client, WALKS[level])
    page = plain(client.get(url).get_data(as_text=True))
    assert_names_every_emergency_sign(page, lang, level)


@pytest.mark.parametrize("lang", LANGS)
def test_outage_and_busy_pages_name_every_sign(app, lang):
    from flask import render_template

    with app.test_request_context(f"/?lang={lang}"):
        for name in ("unavailable.html", "too_many.html"):
            page = render_template(name, partial=False, retry_url="/", retry_after=10)
            assert_names_every_emergency_sign(plain(page), lang, name)


@pytest.mark.parametrize("lang", LANGS)
def test_client_texts_name_every_sign_and_help_gives_the_number(lang):
    bodies = {
        "urgent advice": texts.guidance(Level.URGENT, "Clinic", "999", lang),
        "next-day check": texts.next_day_check("Clinic", "999", lang),
        "reminder": texts.reminder("Clinic", 1, 3, "999", lang),
        "appointment reminder": texts.appointment_reminder("Clinic", "Tuesday 14 July", "999",
                                                           lang),
    }
    for where, body in bodies.items():
        assert_names_every_emergency_sign(body, lang, where)
        assert "999" in body, where
    for body in (texts.reminder("Clinic", 1, 3, "999", lang),
                 texts.appointment_reminder("Clinic", "Tuesday", "999", lang)):
        assert body.count(translate(lang, texts.STOP_HINT)) == 1
    assert "999" in texts.help_text("Clinic", "999", lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_urgent_text_stays_generic_even_for_pregnancy_warning_signs(lang):
    # R16's maternity advice is on the page only: a text can be read by others.
    body = texts.guidance(Level.URGENT, "Clinic", "911", lang).lower()
    for word in ("pregnan", "maternity", "midwife", "embaraz", "maternidad", "matrona"):
        assert word not in body


def test_clot_signs_list_names_bluish_skin_cramp_and_one_leg(client):
    page = plain(client.get("/advice").get_data(as_text=True))
    for words in ("it can feel like a cramp or a pulled muscle",
                  "often worse when you flex your foot", "swelling", "skin that feels warm",
                  "red, purple, bluish or darker skin",
                  "harder to see on brown or black skin", "a hard, sore vein",
                  "usually in one leg"):
        assert words in page


def test_therapist_instruction_names_the_emergency_number_step(client):
    assert "call the emergency number (%(number)s)" in THERAPIST_INSTRUCTION
    for words in ("stop all pressure and movement on the area", "short of breath",
                  "chest pain", "coughs up blood", "feels faint", "racing heartbeat",
                  "medical help the same day"):
        assert words in THERAPIST_INSTRUCTION
    for level in ("emergency", "urgent", "defer", "modified", "proceed"):
        url, _ = walk(client, WALKS[level])
        page = plain(client.get(url).get_data(as_text=True))
        assert "call the emergency number (911)" in page, level


# -- US English ----------------------------------------------------------------------------

BRITISH = re.compile(
    r"\b\w*(oestr|anaesth|paralys|centre|lymphoed|oedema|colour|behaviour|favour|organis|"
    r"recognis|stabilis|immobilis|haemo|paediat|labour|programme|travelled|judgement|"
    r"catalogue|whilst|amongst|fortnight|\btick\b|\bpoo\b|being sick)\w*", re.I)


def test_client_english_uses_us_spelling():
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as source:
        catalog = read_po(source)
    found = []
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            found += [(match.group(0), msgid[:60]) for match in BRITISH.finditer(msgid)]
    assert not found, found
    for path in (ROOT / "templates").rglob("*.html"):
        if path.parent.name == "staff":  # staff pages are not client-facing
            continue
        text = re.sub(r"\{#.*?#\}|<[^>]+>", " ", path.read_text(), flags=re.S)  # words only
        words = [match.group(0) for match in BRITISH.finditer(text)]
        assert not words, (path.name, words)


def test_glossary_names_the_new_terms():
    glossary = (ROOT / "docs" / "glossary-es.md").read_text()
    for term in ("racing or pounding heartbeat", "central line", "PICC", "IVF",
                 "arthroscopy", "heart attack", "stroke", "infection", "left leg", "bluish",
                 "lymphedema", "side not known"):
        assert term.lower() in glossary.lower(), term
