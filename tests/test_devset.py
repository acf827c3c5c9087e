"""The 36 reviewed devset messages as a regression test, field by field (like score.py)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailbot.contract import contract_object
from mailbot.reading import read_message

DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"
ZONE = ZoneInfo("Europe/Warsaw")
DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=ZONE)
TITLES = {"dr", "mgr", "inz", "inż", "prof", "pan", "pani", "hab", "lic", "ks"}

# Cases that do not pass yet: {"NNN": "reason"} -> xfail(strict=True). None at present.
KNOWN_FAILURES: dict[str, str] = {}

if not DEVSET.is_dir():
    pytest.skip("../shared/devset is not present", allow_module_level=True)


def norm_text(value: str | None) -> str:
    """The normalisation score.py applies to organisation names and e-mails."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).casefold()
    text = re.sub(r"[„”\"'“‘’«»`]", "", text)
    text = re.sub(r"[^\w\s.-]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .-")


def norm_name(value: str | None) -> str:
    tokens = [t for t in re.split(r"[\s.,]+", norm_text(value)) if t and t not in TITLES]
    return " ".join(sorted(tokens))


def digits(value: str | None) -> str | None:
    return re.sub(r"\D", "", value or "") or None


def view(obj: dict[str, Any]) -> dict[str, Any]:
    """The fields the regression compares, normalised."""
    org = obj["organisation"]
    people = {norm_name(p["name"]): p for p in obj["attendees"] if p["name"]}
    return {
        "kind": obj["kind"],
        "decision": obj["decision"],
        "received_at": obj["received_at"],
        "organisation": norm_text(org["name"]),
        "ids": tuple(digits(org[k]) for k in ("krs", "nip", "regon")),
        "attendees": sorted(people),
        "roles": sorted((k, norm_text(p["role"])) for k, p in people.items()),
        "unnamed roles": sorted(norm_text(p["role"]) for p in obj["attendees"] if not p["name"]),
        "contact name": norm_name(obj["contact"]["name"]),
        "contact email": norm_text(obj["contact"]["email"]),
        "contact phone": digits(obj["contact"]["phone"]),
        "areas": obj["areas"],
    }


def _cases() -> list[Any]:
    out = []
    for path in sorted(DEVSET.glob("*.eml")):
        marks = []
        if path.stem in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[path.stem]))
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


@pytest.mark.parametrize("path", _cases())
def test_devset_message(path: Path) -> None:
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    reading = read_message(path.read_bytes(), internaldate=None, deadline=DEADLINE)
    got = contract_object(reading.parsed, reading.extraction, reading.decision, ZONE)
    assert view(got) == view(truth)
