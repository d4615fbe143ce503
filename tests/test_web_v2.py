"""Questionnaire v2 over HTTP: versions side by side, the early end at the last question,
outcome pages that speak to the rule that fired, and flag texts that name the limb."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from flows import NOTHING, N, outcome_level, sid_of, start, walk
from sms_support import STAFF, run_worker, sms
from staff_support import board_day, finish_screening, sign_in

from checker.checkins import local_day

NONE = {"limb_symptoms": ["none"], "clot_history": "no", **NOTHING}
CLOT_LEFT = {**N, "limb_symptoms": ["none"], "clot_history": "yes",
             "clot_when": "over_12_months", "clot_clearance": "yes", "lasting_symptoms": "no",
             **NOTHING, "clot_side": ["left_leg"]}


def services(app):
    return app.extensions["clotcheck"]


def store(app):
    return services(app).store


def answer(client, sid: str, qid: str, value) -> str:
    response = client.post(f"/s/{sid}/q/{qid}", data={qid: value})
    assert response.status_code == 303, response.data[:300]
    return response.headers["Location"]


def page_of(client, answers: dict) -> str:
    url, _ = walk(client, answers)
    return client.get(url).get_data(as_text=True)


# -- versions side by side -----------------------------------------------------------------

def test_a_new_screening_starts_under_v2_and_asks_the_side(client, app, redis_client):
    sid = sid_of(start(client))
    assert redis_client.hget(store(app).key(sid), "version") == b"2"
    answer(client, sid, "emergency_now", "none")
    answer(client, sid, "emergency_recent", "no")
    answer(client, sid, "limb_symptoms", ["pain"])
    assert answer(client, sid, "limb_side", "one").endswith("/q/symptom_side")
    html = client.get(f"/s/{sid}/q/symptom_side").get_data(as_text=True)
    assert "Which side of your body are the symptoms on?" in html
    assert answer(client, sid, "symptom_side", "left").endswith("/q/pain_kind")


@pytest.mark.parametrize("stored", [None, "1"])
def test_a_screening_started_under_v1_finishes_under_v1(client, app, redis_client, stored):
    sid = sid_of(start(client))
    key = store(app).key(sid)
    if stored is None:
        redis_client.hdel(key, "version")  # written before v2: no version field
    else:
        redis_client.hset(key, "version", stored)
    answer(client, sid, "emergency_now", "none")
    answer(client, sid, "emergency_recent", "no")
    answer(client, sid, "limb_symptoms", ["pain"])
    assert answer(client, sid, "limb_side", "one").endswith("/q/pain_kind")  # no side asked
    response = client.get(f"/s/{sid}/q/symptom_side")  # not a v1 question: back on the path
    assert response.status_code == 303 and response.headers["Location"].endswith("/pain_kind")
    response = client.post(f"/s/{sid}/q/symptom_side", data={"symptom_side": "left"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/pain_kind")
    assert "symptom_side" not in store(app).load(sid).answers  # nothing stored, no error
    answer(client, sid, "pain_kind", "cramp_gone")
    for qid, value in [("clot_history", "no"), ("vein_conditions", ["none"]),
                       ("medicines", ["antiplatelet_two"])]:
        url = answer(client, sid, qid, value)
    assert url.endswith("/q/recent_events")  # v1 asks no bleeding question here
    html = client.get(url).get_data(as_text=True)
    assert "COVID-19 in the last 3 months" in html and "minor_procedure" not in html
    answer(client, sid, "recent_events", ["surgery"])  # v1: no R34 for the passing cramp
    assert answer(client, sid, "long_term_factors", ["none"]).endswith("/check")
    client.post(f"/s/{sid}/check")
    finished = store(app).load(sid)
    assert finished.version == "1" and finished.outcome.version == "1"
    assert finished.outcome.level == "modified" and "R34" not in finished.outcome.rules
    [checkin] = board_day(app, "main", _today(app))
    assert checkin.version == "1"


def test_a_screening_of_an_unknown_version_has_ended(client, app, redis_client):
    sid = sid_of(start(client))
    redis_client.hset(store(app).key(sid), "version", "9")
    assert client.get(f"/s/{sid}/q/emergency_now").status_code == 404


def _today(app) -> str:
    return local_day(datetime.now(UTC), services(app).locations.default.tz)


# -- the early end also at the last question (v1 too) ----------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
def test_urgent_at_the_last_question_records_and_alerts_at_once(sms_app, web, redis_client,
                                                                version):
    sid = sid_of(start(web))
    redis_client.hset(store(sms_app).key(sid), "version", version)
    answers = {**N, "limb_symptoms": ["swelling"], "limb_side": "both",
               "swelling_course": "new", "clot_history": "no", "vein_conditions": ["none"],
               "medicines": ["none"], "recent_events": ["none"]}
    for qid, value in answers.items():
        url = answer(web, sid, qid, value)
    assert url.endswith("/q/long_term_factors")  # the last question
    assert answer(web, sid, "long_term_factors", ["cancer"]) == f"/s/{sid}/outcome"  # R12
    screening = store(sms_app).load(sid)
    assert screening.finished and screening.outcome.level == "urgent"  # recorded now
    # ... with its finish event in the same write: the check-in and the alert follow from it
    # (the worker's next read), nothing waits for a Confirm.
    finishes = services(sms_app).finishes
    [(_, fields)] = finishes.redis.xrange(finishes.key)
    event = finishes.parse(fields)
    assert event.sid == sid and event.outcome.level == "urgent"
    assert event.outcome.version == version
    run_worker(sms_app)
    [checkin] = board_day(sms_app, "main", _today(sms_app))
    assert checkin.level == "urgent" and checkin.version == version
    alerts = [m for m in sms(sms_app).records.recent() if m.kind == "alert"]
    assert len(alerts) == 1 and "URGENT" in alerts[0].body
    assert [i for i in sms(sms_app).outbox() if i["to"] == STAFF]
    html = web.get(f"/s/{sid}/outcome").get_data(as_text=True)
    assert outcome_level(html) == "urgent"
    # "Change my answers" opens the question that decided it (a mis-tap is fixable there).
    assert f'href="/s/{sid}/q/long_term_factors">Change my answers' in html
    response = web.get(f"/s/{sid}/check")
    assert b"data-check-answers" in response.data  # reachable on purpose, never on the way


# -- outcome pages speak to the rule that fired ---------------------------------------------

def advice_on(html: str) -> set[str]:
    return set(re.findall(r'data-advice="([a-z-]+)"', html))


@pytest.mark.parametrize(("answers", "rule", "advice"), [
    ({**N, **NONE, "recent_events": ["pregnancy"], "pregnancy_warning": "yes"}, "R16",
     {"maternity"}),
    ({**N, **NONE, "medicines": ["antiplatelet_two"], "bleeding_signs": "not_sure"}, "R17",
     {"medical-help-today", "blood-thinner"}),
    ({**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "left",
      "limb_context": "none_of_these"}, "R3", {"limb", "medical-help-today"}),
    ({"emergency_now": ["none"], "emergency_recent": "yes"}, "R2", {"medical-help-today"}),
])
def test_urgent_page_speaks_to_the_rule_that_fired(client, answers, rule, advice):
    html = page_of(client, answers)
    assert outcome_level(html) == "urgent"
    assert advice_on(html) == advice, rule
    if rule == "R17":
        assert "Do not stop your blood thinner unless a doctor tells you to." in html
    if rule == "R16":
        assert "Contact your maternity unit or midwife now" in html
        assert "rubbing" not in html  # no leg advice without a limb rule


@pytest.mark.parametrize(("answers", "rule", "soon"), [
    ({**N, **NONE, "clot_history": "being_checked"}, "R18", True),
    ({**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "right",
      "limb_context": "doctor_checked", "clot_history": "no", **NOTHING}, "R4", True),
    ({**N, "limb_symptoms": ["pain"], "limb_side": "one", "symptom_side": "right",
      "pain_kind": "cramp_gone", "clot_history": "no", **NOTHING,
      "recent_events": ["leg_immobilised"]}, "R34", True),
    ({**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "left",
      "limb_context": "after_surgery", "clot_history": "no", **NOTHING,
      "recent_events": ["surgery"], "long_term_factors": ["cancer"]}, "R35", True),
    ({**CLOT_LEFT, "clot_clearance": "no"}, "R20", False),  # paperwork only
    ({**N, **NONE, "vein_conditions": ["phlebitis_recent"], "clot_side": ["left_leg"]}, "R24",
     False),
])
def test_defer_page_says_see_your_doctor_soon_when_something_may_be_wrong(client, answers,
                                                                        rule, soon):
    html = page_of(client, answers)
    assert outcome_level(html) == "defer", rule
    assert ("see-doctor-soon" in advice_on(html)) is soon, rule
    if soon:
        assert "See your doctor soon, within a few days" in html


# -- the limb in the therapist's words -------------------------------------------------------

def test_outcome_page_names_the_limb_in_english_and_spanish(client):
    html = page_of(client, CLOT_LEFT)
    assert "No deep pressure on the left leg." in html
    client.get("/?lang=es")
    html = page_of(client, {**CLOT_LEFT, "clot_side": ["lung"]})
    assert "Sin presión profunda en ambas piernas." in html
    assert "Lado desconocido: evitar el trabajo profundo en ambas piernas." in html


def test_board_and_export_name_the_limb_and_the_version(staff_app):
    code = finish_screening(staff_app.test_client(), "a",
                            {**CLOT_LEFT, "clot_side": ["right_leg"]})
    staff = staff_app.test_client()
    sign_in(staff, staff_app)
    board = staff.get("/staff/board/a").get_data(as_text=True)
    row = board[board.index(f'data-checkin="{code}"'):]
    assert "No deep pressure on the right leg." in row[:row.index("</tr>")]
    assert "Questionnaire version 2" in row
    day = local_day(datetime.now(UTC), services(staff_app).locations.get("a").tz)
    export = staff.get(f"/staff/board/a/export.csv?day={day}").get_data(as_text=True)
    [record] = list(csv.DictReader(io.StringIO(export)))
    assert record["questionnaire_version"] == "2"
    assert "No deep pressure on the right leg." in record["therapist_flags"]


def test_a_changed_side_asks_the_therapist_to_look_again(staff_app):
    client = staff_app.test_client()
    finish_screening(client, "a", CLOT_LEFT)
    book = services(staff_app).checkins
    day = local_day(datetime.now(UTC), services(staff_app).locations.get("a").tz)
    [checkin] = board_day(staff_app, "a", day)
    book.mark_seen(checkin.id, "alice")
    sid = _last_sid(staff_app)
    assert client.get(f"/s/{sid}/q/clot_side").status_code == 200
    client.post(f"/s/{sid}/q/clot_side", data={"clot_side": ["right_leg"]})
    client.post(f"/s/{sid}/check")
    [again] = board_day(staff_app, "a", day)
    assert again.flags == checkin.flags and again.level == checkin.level
    assert again.limbs == (("no_deep_affected_limb", ("right_leg",)),)
    assert again.seen_at is None  # the limb changed: seen again


def _last_sid(app) -> str:
    redis = store(app).redis
    prefix = store(app).prefix
    [key] = [k.decode() for k in redis.scan_iter(f"{prefix}{{*}}:screening")]
    return key.split("{", 1)[1].split("}", 1)[0]
