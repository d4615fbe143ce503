"""ScreeningStore and the screening use case against a real Redis: TTLs, compare-and-set,
one finisher (with its finish event in the same write), round trips."""

from __future__ import annotations

import re
import time

import pytest

from checker import flow
from checker.redis_conn import connect
from checker.screenings import NotComplete, ScreeningService, Step, progress_of
from checker.store import (
    CODE_ALPHABET,
    ScreeningGone,
    ScreeningStore,
    format_code,
    new_code,
    valid_sid,
)

TTL = 600
CLEAN = {"emergency_now": ("none",), "emergency_recent": "no", "limb_symptoms": ("none",),
         "clot_history": "no", "vein_conditions": ("none",), "medicines": ("none",),
         "recent_events": ("none",), "long_term_factors": ("none",)}


@pytest.fixture
def store(redis_client, key_prefix) -> ScreeningStore:
    return ScreeningStore(redis_client, key_prefix, TTL)


@pytest.fixture
def service(store) -> ScreeningService:
    return ScreeningService(store)


def record(service, screening, qid, value):
    """(screening as stored, the finish it announced or None)."""
    step = service.answer(screening, qid, value)
    return step.screening, step.finished


def finish(service, screening):
    step = service.finish(Step(screening, progress_of(screening)))
    return step.screening, step.finished


def answer_all(service, screening, answers):
    for qid, value in answers.items():
        screening, _ = record(service, screening, qid, list(value)
                              if isinstance(value, tuple) else value)
    return screening


def test_create_and_load_keep_one_hash_under_a_hash_tag(store, redis_client, key_prefix):
    screening = store.create("main")
    assert valid_sid(screening.sid) and len(screening.sid) >= 22
    key = f"{key_prefix}{{{screening.sid}}}:screening"
    assert redis_client.type(key) == b"hash"
    assert 0 < redis_client.ttl(key) <= TTL
    loaded = store.load(screening.sid)
    assert loaded.location == "main" and loaded.revision == 1 and loaded.answers == {}
    assert not loaded.finished


def test_ids_are_random_and_long_enough():
    from checker.store import new_sid

    sids = {new_sid() for _ in range(200)}
    assert len(sids) == 200
    assert all(len(s) >= 22 for s in sids)  # >= 128 bits of randomness


def test_every_step_refreshes_the_ttl(store, redis_client, service):
    screening = store.create("main")
    key = store.key(screening.sid)
    redis_client.expire(key, 5)
    store.load(screening.sid)
    assert redis_client.ttl(key) > 5
    redis_client.expire(key, 5)
    record(service, screening, "emergency_now", ["none"])
    assert redis_client.ttl(key) > 5


def test_unknown_or_malformed_ids_load_as_none(store):
    assert store.load("nope") is None
    assert store.load("../../etc/passwd") is None
    assert store.load("A" * 24) is None


def test_expired_screening_cannot_be_written(store, redis_client, service):
    screening = store.create("main")
    redis_client.delete(store.key(screening.sid))
    with pytest.raises(ScreeningGone):
        record(service, screening, "emergency_now", ["none"])
    assert redis_client.exists(store.key(screening.sid)) == 0  # no stray partial hash


def test_only_on_path_answers_are_stored(store, service):
    screening = store.create("main")
    screening = answer_all(service, screening, {"emergency_now": ("none",),
                                              "emergency_recent": "no",
                                              "limb_symptoms": ("pain",),
                                              "limb_side": "one"})
    screening, _ = record(service, screening, "limb_symptoms", ["none"])
    stored = store.load(screening.sid).answers
    assert stored == {"emergency_now": ("none",), "emergency_recent": "no",
                      "limb_symptoms": ("none",)}


def test_invalid_answer_raises_and_stores_nothing(store, service):
    screening = store.create("main")
    with pytest.raises(flow.AnswerError):
        record(service, screening, "emergency_now", ["none", "breathless"])
    assert store.load(screening.sid).answers == {}
    assert store.load(screening.sid).revision == 1


def test_stale_copy_reapplies_on_top_of_newer_answers(store, service):
    """Two tabs: each answers a different question from the same old read; both kept."""
    screening = answer_all(service, store.create("main"), {"emergency_now": ("none",),
                                                         "emergency_recent": "no"})
    tab_a = store.load(screening.sid)
    tab_b = store.load(screening.sid)
    record(service, tab_a, "limb_symptoms", ["none"])
    after_b, _ = record(service, tab_b, "clot_history", "no")  # conflict -> re-read
    stored = store.load(screening.sid)
    assert stored.answers["limb_symptoms"] == ("none",)
    assert stored.answers["clot_history"] == "no"
    assert after_b.revision == stored.revision == tab_a.revision + 2


def test_repeated_identical_answer_writes_nothing(store, service):
    screening = store.create("main")
    first, _ = record(service, screening, "emergency_now", ["none"])
    again, _ = record(service, first, "emergency_now", ["none"])
    assert again.revision == first.revision == store.load(screening.sid).revision


def test_finish_is_atomic_and_only_one_finisher_wins(store, service):
    screening = answer_all(service, store.create("main"), CLEAN)
    copy_1 = store.load(screening.sid)
    copy_2 = store.load(screening.sid)
    done_1, event_1 = finish(service, copy_1)
    done_2, event_2 = finish(service, copy_2)  # a double tap from the same old page
    assert event_1 is not None and event_2 is None
    assert done_1.code == done_2.code == event_1.code
    assert event_1.outcome.level == "proceed"
    assert event_1.revision == store.load(screening.sid).revision
    stored = store.load(screening.sid)
    assert stored.finished and stored.outcome == event_1.outcome
    assert stored.finished_at == event_1.finished_at
    # The finish event was written by the same script as the outcome, once.
    [(_, fields)] = store.redis.xrange(store.finish_stream)
    assert fields[b"sid"].decode() == screening.sid
    assert int(fields[b"revision"]) == event_1.revision
    assert fields[b"outcome"].startswith(b"v1.") or store.sealed.crypto is None


def test_finish_refuses_unanswered_screening(store, service):
    screening = store.create("main")
    with pytest.raises(NotComplete):
        finish(service, screening)


def test_early_end_finishes_in_the_same_write(store, service):
    screening = store.create("main")
    done, event = record(service, screening, "emergency_now", ["fainted"])
    assert event is not None and event.outcome.level == "emergency"
    assert done.revision == 2 and store.load(screening.sid).finished


# New swelling in both legs, cancer asked last: R12 (urgent) is decided by the last answer.
LAST_DECIDES = {"emergency_now": ("none",), "emergency_recent": "no",
                "limb_symptoms": ("swelling",), "limb_side": "both", "swelling_course": "new",
                "clot_history": "no", "vein_conditions": ("none",), "medicines": ("none",),
                "recent_events": ("none",)}


def test_urgent_decided_by_the_last_question_finishes_in_that_write(store, service,
                                                                    redis_client):
    screening = answer_all(service, store.create("main"), LAST_DECIDES)
    assert not screening.finished
    screening, done = record(service, screening, "long_term_factors", ["cancer"])
    assert screening.finished and done is not None and done.outcome.level == "urgent"
    assert "R12" in store.load(screening.sid).outcome.rules
    assert redis_client.xlen(store.finish_stream) == 1  # its finish event, same script


def test_a_screening_is_walked_under_the_version_it_started_with(store, service,
                                                                 redis_client):
    current = store.create("main")
    assert current.version == "2" and current.questionnaire.version == "2"
    assert redis_client.hget(store.key(current.sid), "version") == b"2"
    old = store.create("main", version="1")
    unversioned = store.create("main")
    redis_client.hdel(store.key(unversioned.sid), "version")  # written before v2
    for screening in (old, unversioned):
        loaded = store.load(screening.sid)
        assert loaded.version == "1"
        loaded = answer_all(service, loaded, {"emergency_now": ("none",),
                                              "emergency_recent": "no",
                                              "limb_symptoms": ("pain",), "limb_side": "one"})
        assert progress_of(loaded).next_question == "pain_kind"  # v1 asks no side
        assert loaded.version == "1"
    step = service.answer(store.load(current.sid), "emergency_now", ["none"])
    assert step.screening.version == "2"


def test_a_screening_of_a_version_this_release_does_not_know_has_ended(store, redis_client):
    screening = store.create("main")
    redis_client.hset(store.key(screening.sid), "version", "9")
    assert store.load(screening.sid) is None


def test_check_in_codes_avoid_ambiguous_characters():
    assert not set("0O1IL5S2Z8B") & set(CODE_ALPHABET)
    for _ in range(100):
        code = new_code()
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", format_code(new_code()))


class _Counter:
    def __init__(self):
        self.round_trips = 0


def counting_client(url: str, counter: _Counter):
    """A client whose connections count each packet sent (one per round trip)."""
    client = connect(url)
    pool = client.connection_pool
    base = pool.connection_class

    class Counting(base):  # type: ignore[misc, valid-type]
        def send_packed_command(self, command, check_health=True):
            counter.round_trips += 1
            return super().send_packed_command(command, check_health)

    pool.connection_class = Counting
    return client


def test_each_question_step_takes_at_most_two_round_trips(redis_url, redis_client, key_prefix):
    counter = _Counter()
    counted = counting_client(redis_url, counter)
    store = ScreeningStore(counted, key_prefix, TTL)
    service = ScreeningService(store)
    screening = store.create("main")  # also opens (and handshakes) the pooled connection
    for qid, value in CLEAN.items():
        counter.round_trips = 0
        loaded = store.load(screening.sid)  # GET page
        assert counter.round_trips == 1, qid
        counter.round_trips = 0
        loaded = store.load(screening.sid)  # POST: read ...
        screening, _ = record(service, loaded, qid, list(value)
                                           if isinstance(value, tuple) else value)  # ... CAS
        assert counter.round_trips <= 2, qid
    counter.round_trips = 0
    finish(service, store.load(screening.sid))
    assert counter.round_trips <= 2  # the outcome and its finish event: one script
    assert redis_client.xlen(store.finish_stream) == 1
    counted.close()


def test_http_question_step_takes_at_most_two_round_trips(app, client, redis_url):
    counter = _Counter()
    store = app.extensions["clotcheck"].store
    store.redis = counting_client(redis_url, counter)  # the service's store: the request's
    url = client.post("/start", data={"loc": "main"}).headers["Location"]
    sid = url.split("/")[2]
    for qid, value in CLEAN.items():
        path = f"/s/{sid}/q/{qid}"
        counter.round_trips = 0
        assert client.get(path).status_code == 200
        assert counter.round_trips <= 2  # in fact 1: HGETALL + EXPIRE pipelined
        counter.round_trips = 0
        response = client.post(path, data={qid: list(value) if isinstance(value, tuple)
                                           else value})
        assert response.status_code == 303
        assert counter.round_trips <= 2, (qid, counter.round_trips)
    counter.round_trips = 0
    assert client.post(f"/s/{sid}/check").status_code == 303
    assert counter.round_trips <= 2


def test_http_early_end_at_the_last_question_takes_at_most_two_round_trips(app, client,
                                                                           redis_url):
    counter = _Counter()
    store = app.extensions["clotcheck"].store
    store.redis = counting_client(redis_url, counter)
    sid = client.post("/start", data={"loc": "main"}).headers["Location"].split("/")[2]
    for qid, value in LAST_DECIDES.items():
        client.post(f"/s/{sid}/q/{qid}", data={qid: list(value) if isinstance(value, tuple)
                                               else value})
    counter.round_trips = 0
    response = client.post(f"/s/{sid}/q/long_term_factors", data={"long_term_factors": "cancer"})
    assert response.headers["Location"] == f"/s/{sid}/outcome"
    assert counter.round_trips <= 2  # load, then the outcome with its finish event
    assert store.redis.xlen(store.finish_stream) == 1


def test_ttl_really_expires(redis_client, key_prefix):
    store = ScreeningStore(redis_client, key_prefix, ttl=1)
    screening = store.create("main")
    time.sleep(1.2)
    assert store.load(screening.sid) is None


def test_answers_to_unknown_question_ids_are_skipped_on_load(store, redis_client):
    screening = store.create("main")
    redis_client.hset(store.key(screening.sid), "answers",
                      '{"emergency_now": ["none"], "retired_question": "yes"}')
    assert store.load(screening.sid).answers == {"emergency_now": ("none",)}
