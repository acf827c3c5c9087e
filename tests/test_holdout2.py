"""A second set of unseen mail (HTML tables, .docx forms, forwards, charsets, robots): every
decision is the right one, or review where a person must look; never a wrong answer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.contract import contract_object
from mailbot.reading import read_message
from mailbot.registry import org_key, person_key

HOLDOUT = Path(__file__).parent / "data" / "holdout2"
DEADLINE = datetime.fromisoformat("2014-03-05T23:59:59+01:00")


@pytest.mark.parametrize("path", sorted(HOLDOUT.glob("*.eml")), ids=lambda p: p.stem)
def test_right_decision_or_review(path: Path) -> None:
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    reading = read_message(path.read_bytes(), internaldate=None, deadline=DEADLINE)
    got = contract_object(reading.parsed, reading.extraction, reading.decision,
                          ZoneInfo("Europe/Warsaw"))
    if got["decision"] == "review" and truth["decision"] in ("confirm", "refuse_late"):
        return  # unclear to the reader: a person looks; nothing wrong is sent
    assert (got["kind"], got["decision"]) == (truth["kind"], truth["decision"])
    assert sorted(person_key(p["name"]) for p in got["attendees"] if p["name"]) == sorted(
        person_key(n) for n in truth["people"])
    if truth["org"]:
        assert org_key(got["organisation"]["name"]) == org_key(truth["org"])
