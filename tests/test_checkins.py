"""CheckinBook on a real Redis: per-location, per-local-day boards, updates, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis

from checker.checkins import (
    ENCRYPTED_FIELDS,
    CheckinBook,
    ClearanceError,
    checkin_id,
    local_day,
    parse_clearance,
)
from checker.crypto import Crypto, Tagger, derived_tag_key, new_key, parse_keys
from checker.finishes import FinishedScreening
from checker.outcome import Level, Outcome

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
T0 = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
CRYPTO = Crypto(parse_keys(new_key()))
TAGGER = Tagger(derived_tag_key("checkin tests"))


def outcome(level: Level = Level.MODIFIED, flags: tuple[str, ...] = ("light_pressure",),
            rules: tuple[str, ...] = ("R27",)) -> Outcome:
    return Outcome(level, flags, tuple(f"reason {r}" for r in rules), rules, "1")


def finished(sid: str = "s" * 24, location: str = "a", at: datetime = T0, revision: int = 5,
             result: Outcome | None = None, code: str = "K7FXQM") -> FinishedScreening:
    return FinishedScreening(sid, code, result or outcome(), location, at, revision)


@pytest.fixture
def book(redis_client: redis.Redis, key_prefix: str) -> CheckinBook:
    return CheckinBook(redis_client, key_prefix, retention_days=30, crypto=CRYPTO, tagger=TAGGER)


def test_record_and_read_back(book: CheckinBook) -> None:
    cid = book.record(finished(), NY)
    assert cid == checkin_id("s" * 24)
    [c] = book.day("a", "2025-03-14")
    assert (c.code, c.display_code, c.location, c.level) == ("K7FXQM", "K7F-XQM", "a",
                                                             Level.MODIFIED)
    assert c.flags == ("light_pressure",) and c.reasons == ("reason R27",)
    assert c.version == "1" and c.finishes == 1
    assert c.finished_at == T0 and c.local_time(NY).hour == 11
    assert c.seen_at is None and c.clearance is None and c.client_notes == ()


def test_check_in_id_does_not_reveal_the_screening_id() -> None:
    sid = "AbCdEfGhIjKlMnOpQrStUvWx"
    assert sid not in checkin_id(sid) and len(checkin_id(sid)) == 24


def test_each_location_has_its_own_board(book: CheckinBook) -> None:
    book.record(finished(sid="a" * 24, location="a", code="AAAAAA"), NY)
    book.record(finished(sid="b" * 24, location="b", code="BBBBBB"), LONDON)
    assert [c.code for c in book.day("a", "2025-03-14")] == ["AAAAAA"]
    assert [c.code for c in book.day("b", "2025-03-14")] == ["BBBBBB"]


def test_local_day_decides_the_board(book: CheckinBook) -> None:
    late = datetime(2025, 3, 15, 2, 0, tzinfo=UTC)  # 22:00 the day before in New York
    assert local_day(late, NY) == "2025-03-14" and local_day(late, LONDON) == "2025-03-15"
    book.record(finished(at=late), NY)
    assert len(book.day("a", "2025-03-14")) == 1
    assert book.day("a", "2025-03-15") == []


def test_newest_first(book: CheckinBook) -> None:
    for i in range(3):
        book.record(finished(sid=f"{i}" * 24, at=T0 + timedelta(minutes=i), code=f"CODE{i}X"),
                    NY)
    assert [c.code for c in book.day("a", "2025-03-14")] == ["CODE2X", "CODE1X", "CODE0X"]


def test_repeated_or_stale_event_is_ignored(book: CheckinBook) -> None:
    assert book.record(finished(revision=5), NY) is not None
    assert book.record(finished(revision=5), NY) is None  # a double call
    stale = finished(revision=3, result=outcome(Level.PROCEED, (), ()))
    assert book.record(stale, NY) is None
    [c] = book.day("a", "2025-03-14")
    assert c.level == Level.MODIFIED and c.finishes == 1


def test_finishing_again_updates_and_clears_seen_when_outcome_changed(book: CheckinBook) -> None:
    cid = book.record(finished(revision=5), NY)
    assert cid and book.mark_seen(cid, "alice")
    # Same outcome again (answers changed but nothing new for the therapist): stays seen.
    book.record(finished(revision=7, at=T0 + timedelta(minutes=1)), NY)
    assert book.get(cid).seen_by == "alice"
    # A higher level: the therapist must look again.
    book.record(finished(revision=9, at=T0 + timedelta(minutes=2),
                         result=outcome(Level.URGENT, (), ("R3",))), NY)
    c = book.get(cid)
    assert c.level == Level.URGENT and c.seen_at is None and c.finishes == 3
    assert len(book.day("a", "2025-03-14")) == 1


def test_finishing_again_on_the_next_day_moves_the_check_in(book: CheckinBook) -> None:
    cid = book.record(finished(revision=2), NY)
    book.record(finished(revision=3, at=T0 + timedelta(days=1)), NY)
    assert book.day("a", "2025-03-14") == []
    assert [c.id for c in book.day("a", "2025-03-15")] == [cid]


def test_mark_seen(book: CheckinBook) -> None:
    cid = book.record(finished(), NY)
    moment = T0 + timedelta(minutes=5)
    assert book.mark_seen(cid, "bob", now=moment)
    c = book.get(cid)
    assert c.seen_by == "bob" and c.seen_at == moment


def test_actions_on_missing_check_ins_create_nothing(book: CheckinBook,
                                                     redis_client: redis.Redis,
                                                     key_prefix: str) -> None:
    missing = checkin_id("gone" * 6)
    assert not book.mark_seen(missing, "bob")
    assert not book.record_clearance(missing, date(2025, 3, 1), "No limits", "bob")
    assert not book.mark_seen("../../etc", "bob")
    assert book.get("not-an-id") is None
    assert list(redis_client.scan_iter(match=f"{key_prefix}*")) == []


def test_clearance_recorded(book: CheckinBook) -> None:
    cid = book.record(finished(result=outcome(Level.DEFER, ("bring_written_clearance",),
                                              ("R20",))), NY)
    assert book.record_clearance(cid, date(2025, 3, 10), "Light pressure; avoid left calf",
                                 "alice", now=T0)
    c = book.get(cid)
    assert c.clearance is not None
    assert (c.clearance.signed_on, c.clearance.limits, c.clearance.recorded_by) == (
        date(2025, 3, 10), "Light pressure; avoid left calf", "alice")


def test_client_reported_clearance_note(book: CheckinBook) -> None:
    cleared = outcome(Level.MODIFIED, ("no_deep_affected_limb",), ("R21",))
    cid = book.record(finished(result=cleared), NY)
    assert book.get(cid).client_notes == (
        "Client says they have written clearance from a doctor, dated after the clot.",)


def test_retention(book: CheckinBook, redis_client: redis.Redis) -> None:
    cid = book.record(finished(), NY)
    month = 30 * 86400
    assert month - 5 <= redis_client.ttl(book.key(cid)) <= month
    assert month - 5 <= redis_client.ttl(book.index_key("a", "2025-03-14")) <= month
    short = CheckinBook(redis_client, book.prefix, retention_days=7, crypto=CRYPTO,
                        tagger=TAGGER)
    short.record(finished(sid="x" * 24), NY)
    assert redis_client.ttl(short.key(checkin_id("x" * 24))) <= 7 * 86400


def test_clinical_fields_are_encrypted_at_rest(book: CheckinBook,
                                               redis_client: redis.Redis) -> None:
    result = outcome(Level.DEFER, ("bring_written_clearance",), ("R21",))
    cid = book.record(finished(result=result), NY)
    book.record_clearance(cid, date(2025, 3, 10), "Avoid left calf", "alice", now=T0)
    raw = {k.decode(): v.decode() for k, v in redis_client.hgetall(book.key(cid)).items()}
    assert ENCRYPTED_FIELDS <= raw.keys()
    for name in ENCRYPTED_FIELDS:
        assert Crypto.is_token(raw[name]), name
    stored = " ".join(raw.values())
    for secret in ("defer", "bring_written_clearance", "R21", "reason", "Avoid left calf",
                   "2025-03-10", "clearance from a doctor"):
        assert secret not in stored
    assert raw["code"] == "K7FXQM"  # what staff read out stays plain
    # A token moved to another check-in does not decrypt there: that check-in is left out.
    other = book.record(finished(sid="t" * 24), NY)
    redis_client.hset(book.key(other), "flags", raw["flags"])
    assert book.get(other) is None and book.get(cid).level == Level.DEFER


def test_plain_check_ins_from_before_encryption_are_still_read(
        book: CheckinBook, redis_client: redis.Redis) -> None:
    cid = book.record(finished(), NY)
    redis_client.hset(book.key(cid), mapping={"level": "modified",
                                              "flags": '["light_pressure"]'})
    assert book.get(cid).flags == ("light_pressure",)


def test_expired_check_in_drops_off_the_board(book: CheckinBook, redis_client: redis.Redis) -> None:
    cid = book.record(finished(), NY)
    redis_client.delete(book.key(cid))  # as if its TTL ran out before the index's
    assert book.day("a", "2025-03-14") == []


@pytest.mark.parametrize(
    ("signed_on", "limits", "field"),
    [("", "No limits", "signed_on"), ("14/03/2025", "No limits", "signed_on"),
     ("2025-03-15", "No limits", "signed_on"), ("2025-03-01", "  ", "limits"),
     ("2025-03-01", "x" * 1001, "limits")],
)
def test_parse_clearance_errors(signed_on: str, limits: str, field: str) -> None:
    with pytest.raises(ClearanceError) as err:
        parse_clearance(signed_on, limits, today=date(2025, 3, 14))
    assert field in err.value.errors


def test_parse_clearance_ok() -> None:
    assert parse_clearance(" 2025-03-14 ", " No limits ", today=date(2025, 3, 14)) == (
        date(2025, 3, 14), "No limits")
