"""Mail the extractor was never tuned on (written for this test): kind, decision, people, org."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbot.contract import contract_object
from mailbot.reading import read_message
from mailbot.registry import org_key, person_key

HOLDOUT = Path(__file__).parent / "data" / "holdout"
DEADLINE_ISO = "2014-03-05T23:59:59+01:00"


@pytest.mark.parametrize("path", sorted(HOLDOUT.glob("*.eml")), ids=lambda p: p.stem)
def test_holdout_message(path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    reading = read_message(path.read_bytes(), internaldate=None,
                           deadline=datetime.fromisoformat(DEADLINE_ISO))
    got = contract_object(reading.parsed, reading.extraction, reading.decision,
                          ZoneInfo("Europe/Warsaw"))
    assert (got["kind"], got["decision"]) == (truth["kind"], truth["decision"])
    assert sorted(person_key(p["name"]) for p in got["attendees"] if p["name"]) == sorted(
        person_key(n) for n in truth["people"])
    if truth["org"]:
        assert org_key(got["organisation"]["name"]) == org_key(truth["org"])
