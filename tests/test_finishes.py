"""The finish event: written in the same script as the outcome, handed to each consumer once
it is handled, and never lost when a consumer fails or its process dies mid-event."""

from __future__ import annotations

from flows import EMERGENCY, finish
from sms_support import STAFF, run_worker, sms
from staff_support import board_day

from checker.checkins import local_day
from checker.finishes import MAX_ATTEMPTS


def services(app):
    return app.extensions["clotcheck"]


def test_an_event_taken_by_a_process_that_died_is_handled_by_the_next(sms_app, web):
    sid = finish(web, EMERGENCY)
    finishes = services(sms_app).finishes
    # A worker read the event for both consumers and died before handling it (no ack).
    for group in ("checkins", "alerts"):
        taken = finishes.redis.xreadgroup(group, "dead-worker", {finishes.key: ">"}, count=10)
        assert len(taken[0][1]) == 1
    assert finishes.drain() == 0  # still pending for the dead one: not handed out twice
    assert finishes.drain(claim_idle_ms=0) == 2  # its claim lapsed: the next worker takes it
    assert finishes.drain(claim_idle_ms=0) == 0  # handled and acknowledged: once
    run_worker(sms_app)
    alerts = [i for i in sms(sms_app).outbox() if i["to"] == STAFF]
    assert len(alerts) == 1 and "EMERGENCY" in alerts[0]["body"]
    [checkin] = services(sms_app).checkins.day("main", _today(sms_app))
    assert checkin.level == "emergency" and checkin.finishes == 1
    assert sid


def test_handling_an_event_twice_changes_nothing(sms_app, web):
    finish(web, EMERGENCY)
    finishes = services(sms_app).finishes
    [(entry_id, fields)] = finishes.redis.xrange(finishes.key)
    done = finishes.parse(fields)
    for consumer in finishes.consumers.values():
        consumer.handle(done)
        consumer.handle(done)  # a redelivery
    run_worker(sms_app)
    assert len([i for i in sms(sms_app).outbox() if i["to"] == STAFF]) == 1
    [checkin] = services(sms_app).checkins.day("main", _today(sms_app))
    assert checkin.finishes == 1
    assert entry_id


def test_a_failing_consumer_is_retried_then_given_up_loudly(app, client, caplog):
    finishes = services(app).finishes
    calls = []

    def flaky(done):
        calls.append(done.sid)
        raise RuntimeError("consumer bug")

    finishes.add_consumer("flaky", flaky)
    finish(client, EMERGENCY)
    for _ in range(MAX_ATTEMPTS + 2):
        finishes.drain(only=["flaky"], claim_idle_ms=0)
    assert len(calls) == MAX_ATTEMPTS
    assert "gave up on event" in caplog.text
    assert finishes.redis.xpending(finishes.key, "flaky")["pending"] == 0


def test_the_board_shows_a_finish_while_the_worker_is_down(staff_app):
    from staff_support import EMERGENCY_ANSWERS, finish_screening, sign_in

    client = staff_app.test_client()
    code = finish_screening(client, "a", EMERGENCY_ANSWERS)
    book = services(staff_app).checkins
    today = local_day_of(staff_app, "a")
    assert book.day("a", today) == []  # no worker has handled the event yet
    staff = staff_app.test_client()
    sign_in(staff, staff_app)
    assert code in staff.get("/staff/board/a").get_data(as_text=True)  # the board caught up
    assert [c.display_code for c in board_day(staff_app, "a", today)] == [code]


def _today(app) -> str:
    return local_day_of(app, "main")


def local_day_of(app, slug: str) -> str:
    from datetime import UTC, datetime

    return local_day(datetime.now(UTC), services(app).locations.get(slug).tz)
