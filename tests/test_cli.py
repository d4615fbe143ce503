"""`python -m checker triage` as staff and integrators run it: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from worked_cases import WORKED_CASES


def run(lines: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker", "triage"], input="\n".join(lines),
                          capture_output=True, text=True, timeout=60)


def test_worked_cases_give_their_level_and_flags():
    result = run([json.dumps(answers) for _, answers, _, _ in WORKED_CASES])
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(WORKED_CASES)
    for (name, _, level, flags), output in zip(WORKED_CASES, outputs, strict=True):
        assert output["complete"] is True, name
        assert output["level"] == level, name
        assert set(flags) <= set(output["flags"]), name
        assert output["version"] == "2" and output["next_question"] is None
        if level != "proceed":
            assert output["reasons"], name


@pytest.mark.parametrize("level", ["emergency", "urgent", "defer", "modified", "proceed"])
def test_every_level_has_worked_cases(level):
    assert any(case[2] == level for case in WORKED_CASES)


def test_incomplete_answers_have_no_level_and_name_the_next_question():
    result = run(['{"emergency_now": ["none"]}', "{}"])
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"complete": False, "next_question": "emergency_recent", "level": None,
                     "flags": [], "reasons": [], "ignored": [], "version": "2"}
    assert second["next_question"] == "emergency_now"


def test_off_path_answers_are_listed_as_ignored():
    nothing = next(answers for name, answers, _, _ in WORKED_CASES if name == "nothing at all")
    answers = {**nothing, "pain_kind": "other", "bleeding_signs": "yes"}
    output = json.loads(run([json.dumps(answers)]).stdout)
    assert output["level"] == "proceed"
    assert sorted(output["ignored"]) == ["bleeding_signs", "pain_kind"]


@pytest.mark.parametrize(("line", "problem"), [
    ('{"limb_side": ["one", "both"]}', "question limb_side: This question takes one answer"),
    ('{"medicines": ["none", "hormones"]}', "question medicines:"),
    ('{"emergency_now": ["dizzy"]}', "question emergency_now:"),
    ('{"favourite_colour": "blue"}', "question favourite_colour:"),
    # The wrong JSON shape is refused too, on or off the path: integrations must not rely
    # on leniency.
    ('{"limb_side": ["one"]}', "question limb_side: This question takes one answer"),
    ('{"emergency_recent": 1}', "question emergency_recent: This question takes one answer"),
    ('{"bleeding_signs": null}', "question bleeding_signs: This question takes one answer"),
    ('{"medicines": "none"}', "question medicines: This question takes a list of option "
                              "codes, not a string."),
    ('{"emergency_now": 0}', "question emergency_now: This question takes a list of option "
                             "codes, not a number."),
    ('{"clot_side": [1]}', "question clot_side: This question takes a list of option codes"),
    ('{"recent_events": {"surgery": true}}', "question recent_events: This question takes a "
                                             "list of option codes, not an object."),
    ("not json", "line 2:"),
    ("[1, 2]", "line 2: each line must be a JSON object"),
])
def test_invalid_input_exits_2_with_one_line_after_answering_earlier_lines(line, problem):
    result = run(['{"emergency_now": ["chest_pain"]}', line, '{"emergency_now": ["none"]}'])
    assert result.returncode == 2
    assert len(result.stdout.splitlines()) == 1  # the valid first line was answered
    assert json.loads(result.stdout)["level"] == "emergency"
    assert len(result.stderr.strip().splitlines()) == 1
    assert problem in result.stderr
