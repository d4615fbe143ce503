"""`python -m checker triage`: JSON lines of answers in, JSON lines of results out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from checker.flow import AnswerError, evaluate
from checker.versions import CURRENT


def result_line(answers: object) -> dict:
    """The command's output object for one input object; raises AnswerError/ValueError."""
    if not isinstance(answers, dict):
        raise ValueError("each line must be a JSON object of question id -> answer")
    progress = evaluate(answers, strict=True)
    outcome = progress.outcome
    return {
        "complete": progress.complete,
        "next_question": progress.next_question,
        "level": outcome.level.value if outcome else None,
        "flags": list(outcome.flags) if outcome else [],
        "reasons": list(outcome.reasons) if outcome else [],
        "ignored": list(progress.ignored),
        "version": CURRENT.version,
    }


def run_triage(stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            result = result_line(json.loads(line))
        except AnswerError as error:
            stderr.write(f"line {number}: question {error.question_id}: {error.message}\n")
            return 2
        except ValueError as error:  # includes json.JSONDecodeError
            stderr.write(f"line {number}: {error}\n")
            return 2
        stdout.write(json.dumps(result) + "\n")
        stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("triage", help="triage JSON lines of answers from stdin")
    parser.parse_args(argv)
    return run_triage(sys.stdin, sys.stdout, sys.stderr)
