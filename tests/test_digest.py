"""The staff digest: numbers from fixed rows, the text version, the HTML version in Chromium."""

from __future__ import annotations

import email
import email.policy
import itertools
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium_shot import ARTIFACTS, png_dimensions, requires_chromium, screenshot
from digest_sample import DAY, HOSTILE_ORG, NOW, REGISTRATIONS, ZONE, at, sample_digest

from mailbot.config import EventSettings
from mailbot.digest import CHART_DAYS, Health, RegistrationRow, build_digest
from mailbot.render import Renderer

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES, EventSettings())


# -- the numbers -----------------------------------------------------------------------------

def test_totals_and_statuses() -> None:
    data = sample_digest()
    assert (data.organisations, data.people) == (5, 9)
    by_status = {s.status: (s.organisations, s.people) for s in data.statuses}
    assert by_status == {"confirmed": (5, 9), "waitlist": (1, 1), "review": (1, 1),
                         "cancelled": (1, 1), "refused": (0, 0)}
    assert dict(data.sources) == {"e-mail": 5, "faks": 1, "osobiście": 1, "telefon": 1}


def test_new_since_the_last_digest() -> None:
    data = sample_digest()
    assert [r.id for r in data.new] == [4, 6, 7, 8]
    assert data.new[1].people == ("Adam Nowicki", "Beata Kaczmarek")
    assert data.new[1].source_label == "osobiście"
    first_digest = build_digest(DAY, NOW, None, REGISTRATIONS, (), (), (),
                                Health(NOW, 0, 0, 0), ZONE)
    assert len(first_digest.new) == len(REGISTRATIONS)


def test_chart_has_every_day_with_zeroes() -> None:
    data = sample_digest()
    days = [c.day for c in data.per_day]
    assert days[0] == date(2014, 2, 26)
    assert days[-1] == DAY
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(days))
    counts = {c.day: (c.registrations, c.people) for c in data.per_day}
    assert counts[date(2014, 3, 5)] == (4, 5)
    assert counts[date(2014, 3, 1)] == (0, 0)
    assert counts[date(2014, 3, 4)] == (1, 1)  # the cancelled one still arrived that day
    widths = {c.day: c.percent for c in data.per_day}
    assert widths[date(2014, 3, 5)] == 100
    assert widths[date(2014, 3, 4)] == 25
    assert widths[date(2014, 3, 1)] == 0


def test_chart_is_capped_and_counts_the_rest() -> None:
    start = datetime(2013, 12, 1, 12, 0, tzinfo=ZONE)
    rows = [RegistrationRow(i, f"Org {i}", ("A B",), "confirmed", (), "email",
                            start + timedelta(days=i)) for i in range(90)]
    data = build_digest(DAY, NOW, None, rows, (), (), (), Health(NOW, 0, 0, 0), ZONE)
    assert len(data.per_day) == CHART_DAYS
    assert data.earlier + sum(c.registrations for c in data.per_day) == 90
    assert data.earlier > 0


def test_areas_review_problems_and_health() -> None:
    data = sample_digest()
    areas = {a.code: a.organisations for a in data.areas}
    assert areas["culture"] == 2
    assert areas["health"] == 0  # its only registration was cancelled
    assert areas["entrepreneurship"] == 1  # the waiting list counts
    assert areas["none"] == 1
    assert [a.label for a in data.areas][:3] == ["kultura", "pomoc społeczna", "edukacja"]
    assert [r.message_id for r in data.review] == [33, 40]
    assert [p.id for p in data.bounces] == [12]
    assert [p.id for p in data.failures] == [15]
    assert [r.message_id for r in data.refusals] == [41]
    assert [r.id for r in data.cancellations] == [5]
    assert data.needs_attention == 4
    assert len(data.health.warnings) == 1
    assert "niepewnym" in data.health.warnings[0]


def test_health_warnings_for_a_stalled_inbox() -> None:
    stale = sample_digest(stale_poll=True).health.warnings
    assert any("Ostatni udany odczyt skrzynki: 6 marca 2014, godz. 02:00" in w for w in stale)
    never = build_digest(DAY, NOW, None, (), (), (), (), Health(None, 50, 0, 2), ZONE)
    joined = " ".join(never.health.warnings)
    assert "ani razu" in joined
    assert "nie udało się wysłać: 2" in joined
    assert "50 wiadomości czeka" in joined
    assert never.per_day == ()


def test_review_without_a_time_comes_first() -> None:
    from mailbot.digest import ReviewRow

    rows = (ReviewRow(2, at(5, 9), "r", None, "s"), ReviewRow(1, None, "r", None, "s"))
    data = build_digest(DAY, NOW, None, (), (), rows, (), Health(NOW, 0, 0, 0), ZONE)
    assert [r.message_id for r in data.review] == [1, 2]


# -- the text digest -------------------------------------------------------------------------

def test_text_digest(renderer: Renderer) -> None:
    text, _ = renderer.digest_files(sample_digest())
    assert text.startswith("PODSUMOWANIE DNIA: CZWARTEK, 6 MARCA 2014\n")
    assert "Stan na 6 marca 2014, godz. 07:00. Poprzednie podsumowanie: 5 marca 2014" in text
    assert "NOWE OD POPRZEDNIEGO PODSUMOWANIA (4)" in text
    assert "5 marca 2014, godz. 12:00; 2 osoby: Adam Nowicki, Beata Kaczmarek" in text
    assert "  05.03 śr.    " + "█" * 40 + "   4 (5 osób)" in text
    assert "  01.03 sob.   " + " " * 40 + "   0 (0 osób)" in text
    assert text.index("wiadomość #33") < text.index("wiadomość #40")
    assert "wysyłka #12  odbita  confirmation do nieistnieje@fundacja.org.pl" in text
    assert "UWAGA: Odpowiedzi w stanie niepewnym: 1." in text
    assert "DO SPRAWDZENIA – NAJSTARSZE NAJPIERW (2)" in text
    assert "\u202e" not in text
    assert '=HYPERLINK("http://x")' in text
    # Readable in an 80-column terminal apart from free-text lines.
    ruled = [line for line in text.splitlines() if set(line) <= {"=", "-"} and line]
    assert all(len(line) == 78 for line in ruled)


def test_digest_mail(renderer: Renderer) -> None:
    mail = renderer.digest_mail(sample_digest(), ("ngo-zespol@um.krakow.pl",
                                                  "szef@um.krakow.pl"), b"PK\x03\x04xlsx", NOW)
    msg = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert mail.subject == ("Podsumowanie 6 marca 2014 – Wspólnie dla Krakowa: 5 organizacji, "
                            "9 osób (do sprawdzenia: 4, ostrzeżenia: 1)")
    assert mail.message_id == "<mailbot.digest-2014-03-06@um.krakow.pl>"
    assert mail.to == "ngo-zespol@um.krakow.pl, szef@um.krakow.pl"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ngo-zespol@um.krakow.pl",
                                                          "szef@um.krakow.pl"]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Bcc"] is None
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["zgloszenia-2014-03-06.xlsx"]
    assert attachments[0].get_content() == b"PK\x03\x04xlsx"
    assert mail.kind == "digest"


# -- the HTML digest -------------------------------------------------------------------------

class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_digest_is_safe_and_self_contained(renderer: Renderer) -> None:
    _, html = renderer.digest_files(sample_digest())
    page = _Collector()
    page.feed(html)
    assert "script" not in page.tags
    assert not {"img", "link", "iframe", "object", "style"} & set(page.tags)
    assert not [k for k, _ in page.attrs if k.startswith("on")]
    assert not [v for k, v in page.attrs if k in ("src", "href") and not v.startswith("mailto:")]
    text = "".join(page.text)
    assert '<script>alert("x")</script> Fundacja evil' in text  # shown, escaped, not run
    assert "&lt;script&gt;" in html
    assert "\u202e" not in html
    # The bar chart is a table with widths and background colours.
    assert 'width="100%" style="border-collapse:collapse;"><tr><td height="14" bgcolor="#2b6cb0"' \
        in html
    assert 'width="25%"' in html


@requires_chromium
def test_html_digest_in_headless_chromium(renderer: Renderer, tmp_path: Path) -> None:
    _, html = renderer.digest_files(sample_digest())
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "digest.html"
    page.write_text(html, encoding="utf-8")
    shot = ARTIFACTS / "digest.png"
    screenshot(page, shot, tmp_path / "profile")
    assert png_dimensions(shot) == (1000, 1400)
    # A blank or error page compresses to a few KiB; the rendered digest is far richer.
    assert shot.stat().st_size > 40_000
    assert HOSTILE_ORG not in html
