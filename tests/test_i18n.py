"""Spanish and English: the catalog is complete, every client page and text is in the
screening's language, and the triage does not depend on it."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from flask import render_template
from flows import URGENT, WALKS, outcome_level
from redis_keys import delete_sms_keys
from sms_support import CLIENT, Clock, run_worker, sms

from checker import flow
from checker.catalog import TRANSLATIONS_DIR, translate
from checker.questionnaire import QUESTIONS
from checker.store import Screening
from checker.versions import VERSIONS
from checker.web.screening import _question_view

PO = TRANSLATIONS_DIR / "es" / "LC_MESSAGES" / "messages.po"
POT = TRANSLATIONS_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")
SID = re.compile(r"/s/([A-Za-z0-9_-]+)/")


def _catalog(path):
    with path.open("rb") as source:
        return read_po(source, locale="es" if path == PO else None)


def _english_sentences() -> set[str]:
    """Every run of 4+ words from the English msgids (markup and placeholders split them)."""
    sentences = set()
    for message in _catalog(POT):
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            text = re.sub(r"<[^>]+>", "\n", msgid)
            for part in re.split(r"%\([a-z_]+\)s|\n", text):
                part = " ".join(part.split())
                if len(part.split()) >= 4:
                    sentences.add(part)
    return sentences


ENGLISH = _english_sentences()


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def assert_spanish(page: str) -> None:
    assert '<html lang="es">' in page or "<html" not in page
    text = _text(page)
    english = sorted(s for s in ENGLISH if s in text)
    assert not english, english


# -- (a) the catalog ----------------------------------------------------------------------

def test_every_message_has_a_spanish_translation_with_the_same_placeholders():
    template_ids = {m.id for m in _catalog(POT) if m.id}
    catalog = _catalog(PO)
    assert {m.id for m in catalog if m.id} == template_ids, "run `make messages`"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == wanted, message.id
            assert string.count("<") == ids[0].count("<"), f"markup changed: {message.id!r}"


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "messages.pot"
    root = TRANSLATIONS_DIR.parent
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"),
                                "-k", "N_", "--no-location", "-o", str(out), str(root)])
    fresh = {m.id for m in _catalog(out) if m.id}
    assert fresh == {m.id for m in _catalog(POT) if m.id}, "run `make messages`"


def test_emergency_wording_gives_the_number_as_digits():
    text = translate("es", "Call %(number)s now", number="911")
    assert text == "Llame al 911 ahora"


# -- (b, c) pages: a walk per level in both languages ---------------------------------------

def walk(client, answers: dict, lang: str, pages: list[str]) -> str:
    """Start from the landing page in `lang`, answer everything (also once wrongly), return
    the outcome page. Every page seen is appended to `pages`."""
    landing = client.get(f"/?lang={lang}")
    pages.append(landing.get_data(as_text=True))
    url = client.post("/start", data={"loc": "main", "lang": lang}).headers["Location"]
    for _ in range(len(QUESTIONS) + 2):
        if url.endswith("/outcome"):
            break
        if url.endswith("/check"):
            pages.append(client.get(url).get_data(as_text=True))
            response = client.post(url)
        else:
            qid = url.rsplit("/", 1)[1]
            pages.append(client.get(url).get_data(as_text=True))
            wrong = client.post(url, data={})
            assert wrong.status_code == 400
            pages.append(wrong.get_data(as_text=True))
            response = client.post(url, data={qid: answers[qid]})
        assert response.status_code == 303
        url = response.headers["Location"]
    outcome = client.get(url).get_data(as_text=True)
    pages.append(outcome)
    return outcome


@pytest.mark.parametrize("level", list(WALKS))
def test_each_outcome_in_spanish_has_no_english_and_the_same_level(app, level):
    answers = WALKS[level]
    expected = flow.evaluate(answers).outcome.level.value
    results = {}
    for lang in ("en", "es"):
        # A fresh browser that prefers English: only the stored choice makes it Spanish.
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
        pages: list[str] = []
        outcome = walk(client, answers, lang, pages)
        results[lang] = outcome_level(outcome)
        assert f'<html lang="{lang}">' in outcome
        if lang == "es":
            for page in pages:
                assert_spanish(page)
            if level == "emergency":
                assert "Llame al 911 ahora" in outcome  # the number as digits
    assert results == {"en": expected, "es": expected}


def test_a_screening_stays_in_its_language_whatever_the_browser_says(app, client):
    start = client.post("/start", data={"loc": "main", "lang": "es"})
    url = start.headers["Location"]
    other = app.test_client()  # the link opened in another browser set to English
    page = other.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Continuar" in page
    sid = SID.search(url).group(1)
    assert app.extensions["clotcheck"].store.load(sid).lang == "es"


def test_accept_language_picks_the_default_and_the_link_switches(client):
    spanish = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page and 'name="lang" value="es"' in page
    assert re.search(r'<a href="/\?loc=main&amp;lang=en"[^>]*lang="en"[^>]*>English</a>', page)
    english = client.get("/", headers={"Accept-Language": "fr, en;q=0.8"})
    page = english.get_data(as_text=True)
    assert '<html lang="en">' in page and ">Español</a>" in page
    assert '<html lang="en">' in client.get("/?lang=xx").get_data(as_text=True)


def test_every_question_and_other_page_in_spanish(app, client):
    screening = Screening("s" * 22, 1, "main", datetime.now(UTC), {}, None, None, None, "es")
    with app.test_request_context("/?lang=es"):
        for questionnaire in VERSIONS.values():  # v1 screenings can still be alive
            for q in questionnaire.questions:
                view = _question_view(q.id, {"limb_side": "both"}, frozenset(), "x",
                                      questionnaire)
                page = render_template("question.html", partial=False, screening=screening,
                                       view=view, q=q, error=None, back_url="/")
                assert_spanish(page)
    for url in ("/advice?lang=es", "/nowhere?lang=es", "/s/" + "a" * 22 + "/q/medicines?lang=es",
                "/clearance/main?lang=es"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_spanish(response.get_data(as_text=True))


def test_error_pages_in_spanish(app):
    from flask_babel import gettext

    with app.test_request_context("/?lang=es"):
        pages = [render_template(name, partial=False, retry_url="/", retry_after=10, loc="main")
                 for name in ("unavailable.html", "too_many.html", "gone.html",
                              "not_found.html")]
        for heading, message in [
                ("Your answers changed in another window",
                 "We did not save this answer, so nothing was mixed up. Please try again."),
                ("This page had expired", "For your safety we did not save what you sent. "
                 "Your earlier answers are kept. Go back to the page and send it again."),
                ("What you sent was too long", "We did not save it. Your earlier answers are "
                 "kept. Go back to the page and try again.")]:
            pages.append(render_template("error.html", partial=False, heading=gettext(heading),
                                         message=gettext(message), retry_url="/"))
    for page in pages:
        assert_spanish(page)


def test_an_expired_form_is_explained_in_the_screening_language(app_config, redis_client):
    from checker.web import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    landing = client.get("/?lang=es").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', landing).group(1)
    url = client.post("/start", data={"loc": "main", "lang": "es", "csrf_token": token}
                      ).headers["Location"]
    page = app.test_client().post(url, data={"emergency_now": ["none"], "csrf_token": "stale"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Esta página había caducado" in html
    assert_spanish(html)


def test_a_validation_message_names_the_option_in_spanish(client):
    url = client.post("/start", data={"loc": "main", "lang": "es"}).headers["Location"]
    page = client.post(url, data={"emergency_now": ["breathless", "none"]})
    assert page.status_code == 400
    assert "Marque «No, no he tenido ninguno de estos» o marque" in page.get_data(as_text=True)


# -- (d) texts --------------------------------------------------------------------------------

DEFER = WALKS["defer"]


@pytest.fixture
def sms_app(app_config, redis_url, key_prefix, redis_client):
    """No staff alert numbers, 11:00 in New York."""
    from checker.web import create_app

    clock = Clock(datetime(2031, 6, 10, 15, 0, tzinfo=UTC))
    app = create_app({**app_config, "CLINIC_TIMEZONE": "America/New_York"}, clock=clock)
    yield app
    delete_sms_keys(redis_url, key_prefix)


def _finish(client, answers: dict, lang: str) -> str:
    url = client.post("/start", data={"loc": "main", "lang": lang}).headers["Location"]
    while not url.endswith("/outcome"):
        if url.endswith("/check"):
            url = client.post(url).headers["Location"]
        else:
            qid = url.rsplit("/", 1)[1]
            url = client.post(url, data={qid: answers[qid]}).headers["Location"]
    return SID.search(url).group(1)


def _outbox(app) -> list[str]:
    run_worker(app)
    return [item["body"] for item in sms(app).outbox() if item["to"] == CLIENT]


def test_advice_text_for_a_spanish_screening_is_in_spanish(sms_app):
    client = sms_app.test_client()
    sid = _finish(client, URGENT, "es")
    form = client.get(f"/s/{sid}/text-advice").get_data(as_text=True)
    assert_spanish(form)
    bad = client.post(f"/s/{sid}/text-advice", data={"phone": "12"})
    assert bad.status_code == 400
    assert_spanish(bad.get_data(as_text=True))
    sent = client.post(f"/s/{sid}/text-advice", data={"phone": CLIENT, "consent": "yes",
                                                      "next_day": "yes"})
    assert sent.status_code == 303
    assert_spanish(client.get(sent.headers["Location"]).get_data(as_text=True))
    [body] = _outbox(sms_app)
    assert body.startswith("Test Clinic: hoy no hay masaje.") and "llame al 911 ahora" in body
    [check] = [m for m in sms(sms_app).for_screening(sid) if m.kind == "next_day"]
    assert check.body.startswith("Test Clinic: le escribimos después de ayer.")
    for text in (body, check.body):
        assert not [s for s in ENGLISH if s in text]


def test_reminders_and_replies_for_a_spanish_screening_are_in_spanish(sms_app):
    client = sms_app.test_client()
    sid = _finish(client, DEFER, "es")
    assert_spanish(client.get(f"/s/{sid}/reminders").get_data(as_text=True))
    response = client.post(f"/s/{sid}/reminders", data={
        "phone": CLIENT, "consent": "yes", "plan": "appointment", "appointment": "2031-06-16"})
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert_spanish(done)
    assert "lunes 16 de junio" in done or "de junio a las" in done
    reminders = [m for m in sms(sms_app).reminders() if m.sid == sid]
    assert reminders and all(m.body.startswith("Test Clinic, recordatorio: su cita con el "
                                               "médico es el lunes 16 de junio.")
                             for m in reminders)
    assert all("Responda STOP" in m.body and "CLEARED" in m.body for m in reminders)
    sms(sms_app).handle_inbound(CLIENT, "cleared")
    [ack] = _outbox(sms_app)
    assert ack.startswith("Test Clinic: gracias. Hemos detenido sus recordatorios.")


def test_texts_for_an_english_screening_stay_english(sms_app):
    client = sms_app.test_client()
    sid = _finish(client, URGENT, "en")
    client.post(f"/s/{sid}/text-advice", data={"phone": CLIENT, "consent": "yes"})
    [body] = _outbox(sms_app)
    assert body.startswith("Test Clinic: no massage today.")


# -- poster and staff ---------------------------------------------------------------------

def test_a_spanish_poster_opens_the_check_in_spanish(client):
    page = client.get("/poster/main?lang=es").get_data(as_text=True)
    assert "http://localhost/?loc=main&amp;lang=es" in page
    assert "Escanee antes de su masaje" in page and "llame al 911 ahora" in page
    assert '<div class="print-tools" hx-boost="false" lang="en">' in page
    assert_spanish(page)
    english = client.get("/poster/main", headers={"Accept-Language": "es"})
    assert "Scan before your massage" in english.get_data(as_text=True)
    assert "lang=es" not in english.get_data(as_text=True).split("poster__url")[1]
    svg = client.get("/poster/main.svg?lang=es")
    assert "clotcheck-main-es-qr.svg" in svg.headers["Content-Disposition"]


def test_staff_pages_stay_english_for_a_spanish_browser(client):
    client.get("/?lang=es")  # the session remembers Spanish for client pages
    page = client.get("/staff/sign-in", headers={"Accept-Language": "es"})
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and "Skip to main content" in html


def test_missing_or_stale_mo_files_are_compiled(tmp_path):
    from checker.catalog import compile_catalogs

    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(PO.read_bytes())
    assert compile_catalogs(tmp_path) == [target / "messages.mo"]
    assert compile_catalogs(tmp_path) == []  # up to date: nothing to do
    assert not list(target.glob("*.tmp"))
