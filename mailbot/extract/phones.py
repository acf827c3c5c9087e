"""Phone numbers (E.164, region PL) and e-mail addresses found in text; never the office's own."""

from __future__ import annotations

import re

import phonenumbers

from mailbot.addresses import validated
from mailbot.extract.textprep import fold
from mailbot.textutil import list_cache, text_cache

# The office's own lines (MOWIS, Urząd Miasta Krakowa): they appear in quoted notices and must
# never become an organisation's contact. The whole 12 616 range belongs to the city office.
OFFICE_PHONE_PREFIXES = ("+4812616",)
OFFICE_ADDRESSES = frozenset({"ngo@um.krakow.pl"})
OFFICE_DOMAINS = ("um.krakow.pl",)

# A label, then the number. Unlabelled digit runs are KRS/NIP/REGON/postcodes far too often.
_LABEL = (r"(?:tel(?:efon)?\.?(?:\s*/\s*fax\.?)?(?:\s*(?:kom(?:órkowy|orkowy)?|kontaktowy|"
          r"stacjonarny|służbowy|sluzbowy)\.?)?|kom\.|komórka|komorka|mobile|mob\.|phone|gsm|cell|"
          r"nr\s+tel\.?|numer\s+telefonu|kontakt\s+do\s+mnie|kontakt|tel\./fax)")
_NUMBER = r"(\+?[ \t]?\(?(?:\+|00)?[ \t]?\d[\d \t\-().\/]{5,22}\d)"
_LABELLED = re.compile(r"(?i)(?<![\w])" + _LABEL + r"[ \t]*[:.]?[ \t]*(?:nr\.?[ \t]*)?" + _NUMBER)
_EXT = re.compile(r"(?i)\b(?:wew|w)\.?\s*(\d{1,5})\b")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+")
_EXT_MARK = re.compile(r"(?i)\bext\.")
_NON_DIGIT = re.compile(r"\D")


@text_cache(maxsize=1024, max_chars=200)
def normalise_phone(raw: str) -> str | None:
    """E.164 for a Polish (or +CC) number written any common way; None when it is not valid."""
    text = _EXT.sub(r" ext. \1", raw)
    main = _EXT_MARK.split(text)[0]
    digits = _NON_DIGIT.sub("", main)
    international = main.strip().startswith(("+", "00"))
    if main.strip().startswith("00"):
        digits = digits[2:]
    if international or (digits.startswith("48") and len(digits) == 11):
        candidate = "+" + digits
    else:
        # Old trunk prefix: "0 609 …", "(0-12) 429 17 05", "012 633 48 90".
        if len(digits) == 10 and digits.startswith("0"):
            digits = digits[1:]
        if len(digits) != 9:
            return None
        candidate = "+48" + digits
    return _e164(candidate)


def _e164(candidate: str) -> str | None:
    """'+<digits>' in E.164 when phonenumbers finds it a valid number, else None."""
    national = candidate[3:]
    if candidate.startswith("+48") and len(national) == 9 and national.isascii() \
            and national.isdigit() and national[0] != "0":
        # Most numbers: parse() builds exactly this PhoneNumber from them (no national prefix
        # in Poland, no leading zero) at ~15x the cost, and E.164 writes them back unchanged.
        number = phonenumbers.PhoneNumber(country_code=48, national_number=int(national))
        return candidate if phonenumbers.is_valid_number(number) else None
    return _parsed_e164(candidate)


def _parsed_e164(candidate: str) -> str | None:
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_office_phone(e164: str) -> bool:
    return e164.startswith(OFFICE_PHONE_PREFIXES)


# The same lines are searched for numbers and addresses by the signature, list and form readers.
_CACHED_LINE_CHARS = 500


def phones_in(text: str, *, labelled: bool = True) -> list[str]:
    """E.164 numbers in `text` in order; `labelled=False` reads a bare number (a table cell)."""
    return _phones_in(text, labelled)


@list_cache(maxsize=1024, max_chars=_CACHED_LINE_CHARS)
def _phones_in(text: str, labelled: bool) -> list[str]:
    found: list[str] = []
    raws = [m.group(1) for m in _LABELLED.finditer(text)] if labelled else [text]
    for raw in raws:
        number = normalise_phone(raw)
        if number and not is_office_phone(number) and number not in found:
            found.append(number)
    return found


def normalise_email(raw: str) -> str | None:
    return validated(raw.strip().strip(".,;:()<>[]"))


def is_office_email(address: str, office: frozenset[str] = frozenset()) -> bool:
    lowered = address.lower()
    return (lowered in OFFICE_ADDRESSES or lowered in {a.lower() for a in office}
            or lowered.endswith(tuple("@" + d for d in OFFICE_DOMAINS)))


def emails_in(text: str, office: frozenset[str] = frozenset()) -> list[str]:
    """Valid addresses in `text`, in order, without the office's own."""
    return _emails_in(text, frozenset(office))


@list_cache(maxsize=1024, max_chars=_CACHED_LINE_CHARS)
def _emails_in(text: str, office: frozenset[str]) -> list[str]:
    found: list[str] = []
    for match in _EMAIL.finditer(text):
        address = normalise_email(match.group(0))
        if address and not is_office_email(address, office) and address not in found:
            found.append(address)
    return found


# Free mailboxes are personal; shared role boxes (biuro@, sekretariat@) are not a person's.
_FREE_MAIL = ("gmail.com", "wp.pl", "o2.pl", "interia.pl", "interia.eu", "onet.pl", "op.pl",
              "poczta.onet.pl", "onet.eu", "gazeta.pl", "tlen.pl", "yahoo.com", "outlook.com",
              "hotmail.com", "icloud.com", "vp.pl", "go2.pl", "buziaczek.pl", "autograf.pl")
_SHARED_LOCAL = re.compile(r"^(?:biuro|sekretariat|kontakt|info|office|zarzad|admin|poczta|"
                           r"fundacja|stowarzyszenie|klub|recepcja|mail|firma|zgloszenia|"
                           r"noreply|no-reply|hello|team|ngo)\b")


def address_belongs_to(address: str | None, name: str | None, *, sender: bool = False) -> bool:
    """Whether an address is clearly this person's: their surname or first name in the local
    part, or (for the writer's own From/Reply-To) a free mailbox that is not a shared box."""
    if not address or not name or "@" not in address:
        return False
    local, _, domain = address.lower().rpartition("@")
    local = fold(local)
    parts = name.split()
    surname = fold(parts[-1]) if parts else ""
    pieces = [p for p in surname.split("-") if len(p) >= 3]
    if any(p in local for p in pieces):
        return True
    first = fold(parts[0]) if len(parts) > 1 else ""
    if len(first) >= 3 and first in local and not _SHARED_LOCAL.match(local):
        return True
    return sender and domain in _FREE_MAIL and not _SHARED_LOCAL.match(local)
