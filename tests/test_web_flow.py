"""The screening walked over HTTP like a phone without JavaScript: forms, 303s, pages."""

from __future__ import annotations

import re

import pytest
from flows import WALKS, outcome_level, sid_of, start, walk

from checker import flow
from checker.questionnaire import question


@pytest.mark.parametrize("level", list(WALKS))
def test_walk_reaches_each_level_as_the_engine_decides(client, level):
    answers = WALKS[level]
    expected = flow.evaluate(answers).outcome
    assert expected is not None and expected.level == level
    url, seen = walk(client, answers)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert outcome_level(html) == expected.level.value
    assert re.search(r'class="checkin__code">[A-Z0-9]{3}-[A-Z0-9]{3}<', html)
    assert "stop all pressure and movement on the area" in html
    assert "you don't have a clot" not in html.lower()
    # An early end (emergency/urgent) skips the check page.
    assert any(u.endswith("/check") for u in seen) is (not flow.evaluate(answers).early)


def test_emergency_and_urgent_pages_say_show_reception_and_link_the_number(client):
    for level in ("emergency", "urgent"):
        url, _ = walk(client, WALKS[level])
        html = client.get(url).get_data(as_text=True)
        assert "Show this screen to reception" in html
        assert 'href="tel:911"' in html
        hidden = "Immediate action required" if level == "emergency" else "Urgent advice"
        assert f'<span class="visually-hidden">{hidden}: </span>' in html
        assert f"card--{level}" in html


def test_outcome_guidance_per_level(client):
    texts = {
        "defer": "written clearance from your doctor",
        "modified": "Tell your therapist at once if anything changes",
        "proceed": "no warning signs of a blood clot today",
    }
    for level, text in texts.items():
        url, _ = walk(client, WALKS[level])
        html = client.get(url).get_data(as_text=True)
        assert text in html
        assert "Signs of a blood clot to watch for" in html
    modified_url, _ = walk(client, WALKS["modified"])
    html = client.get(modified_url).get_data(as_text=True)
    assert "No direct pressure on varicose veins." in html  # FLAG_TEXT, therapist's words


def test_landing_page_explains_and_starts_with_location(client, app):
    page = client.get("/?loc=nowhere")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-action="start"' in html
    assert 'name="loc" value="main"' in html  # unknown slug falls back to the default
    assert "does not diagnose" in html
    assert "24 hours" in html
    assert 'href="tel:911"' in html
    url = start(client, loc="nowhere")
    store = app.extensions["clotcheck"].store
    assert store.load(sid_of(url)).location == "main"


def test_each_step_is_post_redirect_get(client):
    url = start(client)
    assert url.endswith("/q/emergency_now")
    response = client.post(url, data={"emergency_now": "none"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/emergency_recent")


def test_question_not_yet_reachable_redirects_to_the_next_one(client):
    url = start(client)
    sid = sid_of(url)
    response = client.get(f"/s/{sid}/q/medicines")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/emergency_now")
    response = client.post(f"/s/{sid}/q/medicines", data={"medicines": "none"})
    assert response.status_code == 303  # not stored: the question is not reachable yet
    assert response.headers["Location"].endswith("/q/emergency_now")


def test_off_path_question_redirects_and_changed_answer_drops_off_path_answers(client, app):
    url = start(client)
    sid = sid_of(url)
    base = f"/s/{sid}/q/"
    client.post(base + "emergency_now", data={"emergency_now": "none"})
    client.post(base + "emergency_recent", data={"emergency_recent": "no"})
    client.post(base + "limb_symptoms", data={"limb_symptoms": ["pain"]})
    response = client.post(base + "limb_side", data={"limb_side": "both"})
    assert response.headers["Location"].endswith("/q/pain_kind")
    client.post(base + "pain_kind", data={"pain_kind": "exercise_soreness"})
    store = app.extensions["clotcheck"].store
    assert store.load(sid).answers["pain_kind"] == "exercise_soreness"
    # Changing to "none" takes limb_side and pain_kind off the path: dropped, not kept.
    response = client.post(base + "limb_symptoms", data={"limb_symptoms": ["none"]})
    assert response.headers["Location"].endswith("/q/clot_history")
    answers = store.load(sid).answers
    assert "limb_side" not in answers and "pain_kind" not in answers
    response = client.get(base + "pain_kind")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/clot_history")


def test_previous_answer_is_shown_and_nothing_preselected_otherwise(client):
    url = start(client)
    html = client.get(url).get_data(as_text=True)
    assert " checked" not in html
    client.post(url, data={"emergency_now": "none"})
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'value="none"\s+checked', html)
    assert html.count(" checked") == 1


def test_back_link_points_to_previous_on_path_question(client):
    url = start(client)
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'class="back-link" href="/\?loc=main"', html)
    assert html.index('class="back-link"') < html.index("<main")
    response = client.post(url, data={"emergency_now": "none"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'class="back-link" href="{url}"' in html


def test_exclusive_options_come_after_an_or_divider(client):
    html = client.get(start(client)).get_data(as_text=True)
    assert html.index('class="choices__divider">or<') < html.index('value="none"')
    assert html.index('value="head_injury_on_blood_thinner"') < html.index("choices__divider")
    assert html.count("<h1") == 1
    assert re.search(r"<legend[^>]*><h1", html)


def test_check_page_lists_answers_with_change_links_and_returns_there(client):
    answers = WALKS["proceed"]
    url = start(client)
    sid = sid_of(url)
    while not url.endswith("/check"):
        qid = url.rsplit("/", 1)[1]
        url = client.post(url, data={qid: answers[qid]}).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    for qid in answers:
        assert f'href="/s/{sid}/q/{qid}"' in html
        assert question(qid).title in html
    assert 'Change<span class="visually-hidden"> your answer to' in html
    assert "Confirm and see result" in html
    # A change that needs no new question goes straight back to the check page.
    response = client.post(f"/s/{sid}/q/medicines", data={"medicines": ["hormones"]})
    assert response.headers["Location"] == f"/s/{sid}/check"
    # A change that needs new questions asks them first, then returns to the check page.
    response = client.post(f"/s/{sid}/q/recent_events", data={"recent_events": ["pregnancy"]})
    assert response.headers["Location"] == f"/s/{sid}/q/pregnancy_warning"
    response = client.post(f"/s/{sid}/q/pregnancy_warning", data={"pregnancy_warning": "no"})
    assert response.headers["Location"] == f"/s/{sid}/check"


def test_outcome_before_finishing_redirects_into_the_flow(client):
    sid = sid_of(start(client))
    response = client.get(f"/s/{sid}/outcome")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/emergency_now")
    response = client.post(f"/s/{sid}/check")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/emergency_now")


def test_change_my_answers_after_finishing_and_refinish(client, app):
    url, _ = walk(client, WALKS["proceed"])
    sid = sid_of(url)
    html = client.get(url).get_data(as_text=True)
    assert f'href="/s/{sid}/check">Change my answers' in html
    store = app.extensions["clotcheck"].store
    first = store.load(sid)
    # A changed answer clears the stored outcome: the old result no longer applies.
    client.post(f"/s/{sid}/q/vein_conditions", data={"vein_conditions": ["varicose"]})
    assert store.load(sid).outcome is None
    assert client.get(url).headers["Location"] == f"/s/{sid}/check"
    client.post(f"/s/{sid}/check")
    again = store.load(sid)
    assert again.outcome.level == "modified"
    assert again.code == first.code  # the check-in code stays the same
    assert again.revision > first.revision


def test_early_end_change_link_goes_to_first_question(client):
    url, _ = walk(client, WALKS["emergency"])
    sid = sid_of(url)
    html = client.get(url).get_data(as_text=True)
    assert f'href="/s/{sid}/q/emergency_now">Change my answers' in html


def test_consumers_get_each_finish_once_and_a_failing_one_is_harmless(client, app):
    seen = []

    def broken(done):
        raise RuntimeError("consumer bug")

    finishes = app.extensions["clotcheck"].finishes
    finishes.add_consumer("broken", broken)
    finishes.add_consumer("seen", seen.append)
    url, _ = walk(client, WALKS["defer"])
    sid = sid_of(url)
    assert client.get(url).status_code == 200
    assert client.post(f"/s/{sid}/check").status_code == 303  # a late double tap
    finishes.drain()  # as the worker does
    finishes.drain(claim_idle_ms=0)  # the broken one is retried; the others are done
    assert len(seen) == 1
    done = seen[0]
    assert done.sid == sid and done.location == "main"
    assert done.outcome.level == "defer"
    assert done.finished_at.tzinfo is not None
    assert done.code == app.extensions["clotcheck"].store.load(sid).code


def test_double_tapped_continue_stores_once(client, app):
    url = start(client)
    sid = sid_of(url)
    store = app.extensions["clotcheck"].store
    first = client.post(url, data={"emergency_now": ["none"]})
    revision = store.load(sid).revision
    second = client.post(url, data={"emergency_now": ["none"]})
    assert first.headers["Location"] == second.headers["Location"]
    assert store.load(sid).revision == revision


def test_stale_tab_cannot_store_an_answer_that_left_the_path(client, app):
    url = start(client)
    sid = sid_of(url)
    base = f"/s/{sid}/q/"
    client.post(base + "emergency_now", data={"emergency_now": ["none"]})
    client.post(base + "emergency_recent", data={"emergency_recent": "no"})
    client.post(base + "limb_symptoms", data={"limb_symptoms": ["pain"]})
    client.post(base + "limb_side", data={"limb_side": "both"})
    assert client.get(base + "pain_kind").status_code == 200  # tab A shows pain_kind
    client.post(base + "limb_symptoms", data={"limb_symptoms": ["none"]})  # tab B changes
    response = client.post(base + "pain_kind", data={"pain_kind": "cramp_gone"})  # tab A
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/clot_history")
    assert "pain_kind" not in app.extensions["clotcheck"].store.load(sid).answers


def test_two_tabs_posting_at_once_keep_both_answers(app):
    import threading

    answers = WALKS["proceed"]
    client = app.test_client()
    url, _ = walk(client, answers)
    sid = sid_of(url)
    barrier = threading.Barrier(2)
    results = []

    def post(qid, value):
        tab = app.test_client()
        barrier.wait()
        results.append(tab.post(f"/s/{sid}/q/{qid}", data={qid: value}).status_code)

    threads = [threading.Thread(target=post, args=("medicines", ["hormones"])),
               threading.Thread(target=post, args=("long_term_factors", ["smoker"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [303, 303]
    stored = app.extensions["clotcheck"].store.load(sid).answers
    assert stored["medicines"] == ("hormones",)
    assert stored["long_term_factors"] == ("smoker",)


def test_pregnancy_warning_urgent_names_the_maternity_unit(client):
    answers = {**WALKS["proceed"],
               "recent_events": ["pregnancy"], "pregnancy_warning": "yes"}
    assert flow.evaluate(answers).outcome.level == "urgent"
    url, _ = walk(client, answers)
    html = client.get(url).get_data(as_text=True)
    assert outcome_level(html) == "urgent"
    assert "Contact your maternity unit or midwife now" in html


def test_location_from_the_poster_is_recorded_with_its_emergency_number(app_config, tmp_path):
    from checker.web import create_app

    path = tmp_path / "locations.toml"
    path.write_text(
        '[[location]]\nslug = "downtown"\nname = "Downtown Studio"\n'
        'timezone = "America/New_York"\nemergency_number = "911"\n\n'
        '[[location]]\nslug = "london"\nname = "London Rooms"\n'
        'timezone = "Europe/London"\nemergency_number = "999"\n')
    app = create_app({**app_config, "CLOTCHECK_LOCATIONS": str(path)})
    client = app.test_client()
    html = client.get("/?loc=london").get_data(as_text=True)
    assert 'name="loc" value="london"' in html
    assert 'href="tel:999"' in html and "London Rooms" in html
    seen = []
    app.extensions["clotcheck"].finishes.add_consumer("seen", seen.append)
    url = client.post("/start", data={"loc": "london"}).headers["Location"]
    response = client.post(url, data={"emergency_now": ["coughing_blood"]})
    outcome = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="tel:999"' in outcome and "call 999" in outcome
    assert "tel:911" not in outcome
    app.extensions["clotcheck"].finishes.drain()
    assert seen[0].location == "london"
    assert 'name="loc" value="downtown"' in client.get("/?loc=paris").get_data(as_text=True)
