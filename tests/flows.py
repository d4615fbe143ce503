"""Walking the client's screening over HTTP with the Flask test client (no JavaScript):
the answer sets used across the tests, and start / sid_of / walk / finish."""

from __future__ import annotations

import re

from checker.questionnaire import QUESTIONS

SID = re.compile(r"/s/([A-Za-z0-9_-]+)/")

PROCEED = {"emergency_now": ["none"], "emergency_recent": "no", "limb_symptoms": ["none"],
           "clot_history": "no", "vein_conditions": ["none"], "medicines": ["none"],
           "recent_events": ["none"], "long_term_factors": ["none"]}
URGENT = {"emergency_now": ["none"], "emergency_recent": "yes"}
EMERGENCY = {"emergency_now": ["chest_pain"]}
DEFER = {**PROCEED, "clot_history": "being_checked"}
MODIFIED = {**PROCEED, "medicines": ["anticoagulant"], "bleeding_signs": "no"}

N = {"emergency_now": ["none"], "emergency_recent": "no"}
NOTHING = {"vein_conditions": ["none"], "medicines": ["none"], "recent_events": ["none"],
            "long_term_factors": ["none"]}
# One walk per level (the web-flow tests' own paths).
WALKS = {
    "emergency": {"emergency_now": ["breathless", "chest_pain"]},
    "urgent": {"emergency_now": ["none"], "emergency_recent": "yes"},
    "defer": {**N, "limb_symptoms": ["none"], "clot_history": "being_checked", **NOTHING},
    "modified": {**N, "limb_symptoms": ["none"], "clot_history": "no", **NOTHING,
                 "vein_conditions": ["varicose"]},
    "proceed": {**N, "limb_symptoms": ["none"], "clot_history": "no", **NOTHING},
}


def start(client, loc: str = "main") -> str:
    """POST /start; the first question's URL."""
    response = client.post("/start", data={"loc": loc})
    assert response.status_code == 303
    return response.headers["Location"]


def sid_of(url: str) -> str:
    match = SID.search(url)
    assert match, url
    return match.group(1)


def outcome_level(html: str) -> str:
    match = re.search(r'<main[^>]*data-outcome="([a-z]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def walk(client, answers: dict) -> tuple[str, list[str]]:
    """Answer each page the server sends us to; returns the outcome URL and the pages seen."""
    url = start(client)
    seen = []
    for _ in range(len(QUESTIONS) + 2):
        seen.append(url)
        if url.endswith("/outcome"):
            return url, seen
        if url.endswith("/check"):
            page = client.get(url)
            assert page.status_code == 200 and b"data-check-answers" in page.data
            response = client.post(url)
        else:
            qid = url.rsplit("/", 1)[1]
            page = client.get(url)
            assert page.status_code == 200
            assert f'data-question="{qid}"'.encode() in page.data
            response = client.post(url, data={qid: answers[qid]})
        assert response.status_code == 303, response.data[:500]
        url = response.headers["Location"]
    raise AssertionError(f"flow did not end: {seen}")


def finish(client, answers: dict) -> str:
    """Answer and confirm without reading the pages; the screening id."""
    url = start(client)
    for _ in range(25):
        if url.endswith("/outcome"):
            return sid_of(url)
        if url.endswith("/check"):
            response = client.post(url)
        else:
            qid = url.rsplit("/", 1)[1]
            response = client.post(url, data={qid: answers[qid]})
        assert response.status_code == 303, response.data[:300]
        url = response.headers["Location"]
    raise AssertionError("flow did not end")
