"""People named in sentences and list items: 'zgłaszam Pana X (prezes)', '- Jan Kowalski – skarbnik'."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.extract import cues
from mailbot.extract.morph import readings
from mailbot.extract.names import INLINE, NOMINATIVE
from mailbot.extract.orgnames import mentions
from mailbot.extract.personscan import PersonMention, person_mentions
from mailbot.extract.phones import emails_in, is_office_phone, normalise_phone, phones_in
from mailbot.extract.roles import feminine_only, is_possessive, is_role_word, normalise_role
from mailbot.extract.textprep import fold
from mailbot.textutil import list_cache, text_cache

# Compiled once (they run for every sentence and list item).
_PARENTHESIS = re.compile(r"\s*\(([^()]{1,200})\)")
_ROLE_SEGMENTS = re.compile(r",|;|\boraz\b|\s[–—-]\s")
_LEAD_PUNCT = re.compile(r"^\s*[–—:,-]\s*")
_PUNCT_FIRST = re.compile(r"\s*[–—:,-]")
_CONTACT_START = re.compile(r"[\d@+(]")
_HEAD_END = re.compile(r",|;|\)|\boraz\b|\bi\b")
_TRAILING_TITLE = re.compile(r"(?i)\b(?:pan[a-ząę]*|p\.|dr|hab\.|mgr|inż\.)\s*$")
_NAME_GROUPS = re.compile(r"[,;()]|\b(?:oraz|i|a także)\b|\s[–—-]\s")
_ROLE_PARTS = re.compile(r",|;|\(|\)|\boraz\b|\bi\b|\ba także\b|\s[–—-]\s")


@dataclass(frozen=True)
class Rec:
    """One attendee as read from one place in the text."""

    name: str | None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    confidence: float = 0.9
    reason: str = ""


# A replacement phrase after a comma opens a new clause: in "Pani Ewa Mazur nie może przyjść,
# w zastępstwie będzie Jan Kowalski" only the first clause says someone will not come.
_CLAUSE_BREAK = re.compile(r" [–—-] |; |, (?:a|ale|natomiast) "
                           r"|, (?=(?i:w zast[eę]pstwie|w (?:jej|jego|ich|moje) miejsce"
                           r"|zamiast)\b)")


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Top-level clause spans (outside parentheses), split at dashes, semicolons, ', a/ale'."""
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    i = 0
    while i < len(sentence):
        ch = sentence[i]
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if depth == 0 and ch in " ;,":
            match = _CLAUSE_BREAK.match(sentence, i)
            if match:
                spans.append((start, i))
                start = match.end()
                i = start
                continue
        i += 1
    spans.append((start, len(sentence)))
    return spans


def _parenthesis(after: str) -> str | None:
    match = _PARENTHESIS.match(after)
    return match.group(1) if match else None


_BARE_NUMBER = re.compile(r"(?<![\w+])(?:\+|00)?[\d(][\d \-()]{7,18}\d(?![\d])")


def _role_from(text: str, strict: bool) -> str | None:
    for segment in _ROLE_SEGMENTS.split(text):
        role = normalise_role(segment.strip(" ()"), strict=strict)
        if role:
            return role
        if segment.strip(" ()"):
            return None
    return None


def details(after: str, *, in_list: bool, office: frozenset[str]) -> tuple[str | None, str | None,
                                                                          str | None]:
    """(role, email, phone) written right after a name."""
    inner = _parenthesis(after)
    if inner is not None:
        role = _role_from(inner, strict=not in_list)
        scope = inner if not in_list else after
    else:
        stripped = _LEAD_PUNCT.sub("", after) if _PUNCT_FIRST.match(after) else ""
        if in_list:
            scope = after
            role = _role_from(stripped, strict=False) if stripped else None
            if role is None and not stripped:
                # A row of a table read as plain text: "Anna Hajduk Prezes Zarządu 12 307 …".
                lead = _CONTACT_START.split(after, maxsplit=1)[0]
                role = normalise_role(lead) if lead.strip() else None
        else:
            head = _HEAD_END.split(stripped)[0] if stripped else ""
            role = normalise_role(head) if head else None
            scope = head
    emails = emails_in(scope, office)
    phones = phones_in(scope)
    if not phones and in_list:
        # In one person's list item an unlabelled number is their phone.
        phones = [p for m in _BARE_NUMBER.finditer(scope)
                  if (p := normalise_phone(m.group(0))) and not is_office_phone(p)]
    return role, emails[0] if emails else None, phones[0] if phones else None


def _excluded(sentence: str, mention: PersonMention,
              clauses: list[tuple[int, int, bool]]) -> bool:
    """Replaced ('zamiast Pana X'), a contact, or in a clause saying they will not come."""
    before = fold(sentence[max(0, mention.start - 30): mention.start])
    if cues.BEFORE_EXCLUDED.search(before + (" " + fold(mention.title) if mention.title else "")):
        return True
    if mention.title and cues.BEFORE_EXCLUDED.search(before):
        return True
    for start, end, negative in clauses:
        if start <= mention.start < end:
            return negative
    return False


def _role_before(text: str) -> str | None:
    """A role written just before the name: 'prezesa zarządu Jana Kowalskiego', 'Skarbnik: …'."""
    words = _TRAILING_TITLE.sub("", text.strip(" :–—-"))
    # Only what touches the name: in "Jana Nowaka, naszego skarbnika, oraz Annę Lis" the role
    # before "oraz" belongs to Jan, not to Anna.
    words = _NAME_GROUPS.split(words)[-1]
    words_list = words.split()[-3:]
    for i in range(len(words_list)):
        if is_role_word(words_list[i]):
            return normalise_role(" ".join(words_list[i:]))
    return None


def _from_mention(sentence: str, mention: PersonMention, *, in_list: bool,
                  office: frozenset[str], before: str = "") -> Rec:
    role, email, phone = details(sentence[mention.end:], in_list=in_list, office=office)
    if role and mention.reading.gender == "m1" and feminine_only(role.split()[0]):
        role = None  # "Pana Jana Nowaka, naszą księgową": she is another person
    role = role or _role_before(before)
    return Rec(mention.name, role, email, phone, mention.reading.confidence, mention.reading.reason)


def _outside_organisations(text: str, found: list[PersonMention]) -> list[PersonMention]:
    """Drop 'names' inside organisation names (Fundacja im. Jana Pawła II)."""
    spans = [(m.start, m.end) for m in mentions(text)]
    return [p for p in found if not any(s <= p.start < e for s, e in spans)]


# Sentences and list items recur (within a message and across a backlog): each is read once.
_CACHED_CHARS = 500


def sentence_people(sentence: str, office: frozenset[str]) -> list[Rec]:
    """Attendees named in a registration sentence (not the replaced or withdrawn ones)."""
    return _sentence_people(sentence, frozenset(office))


@list_cache(maxsize=512, max_chars=_CACHED_CHARS)
def _sentence_people(sentence: str, office: frozenset[str]) -> list[Rec]:
    folded = fold(sentence)
    clauses = [(s, e, bool(cues.NEGATIVE.search(folded, s, e))) for s, e in _clauses(sentence)]
    out: list[Rec] = []
    found = _outside_organisations(sentence, person_mentions(sentence, prefer=INLINE))
    previous_end = 0
    for mention in found:
        before = sentence[previous_end:mention.start]
        previous_end = mention.end
        if _excluded(sentence, mention, clauses):
            continue
        out.append(_from_mention(sentence, mention, in_list=False, office=office, before=before))
    return out


def withdrawn_in(sentence: str) -> list[str]:
    """Names (nominative) a sentence withdraws: 'zamiast Pana X', 'Pani Y nie może przyjść'."""
    folded = fold(sentence)
    clauses = [(s, e, bool(cues.NEGATIVE.search(folded, s, e))) for s, e in _clauses(sentence)]
    out: list[str] = []
    for mention in _outside_organisations(sentence, person_mentions(sentence, prefer=INLINE)):
        before = fold(sentence[max(0, mention.start - 30): mention.start])
        replaced = cues.BEFORE_REPLACED.search(
            before + (" " + fold(mention.title) if mention.title else "")) or \
            (mention.title and cues.BEFORE_REPLACED.search(before))
        negative = any(s <= mention.start < e and neg for s, e, neg in clauses)
        if replaced or negative:
            out.append(mention.name)
    return out


def item_people(item: str, office: frozenset[str]) -> list[Rec]:
    """The people a list item names: usually one at its start ('Halina Stępień - prezes, …')."""
    found = _outside_organisations(item, person_mentions(item, prefer=NOMINATIVE))
    if not found or found[0].start > 30 or cues.NEGATIVE.search(fold(item)):
        return []
    if len(found) > 1:
        # Several people on one line: "Jan Kowalski (prezes), Anna Nowak (skarbnik)".
        return [_from_mention(item, m, in_list=False, office=office) for m in found]
    mention = found[0]
    return [_from_mention(item, mention, in_list=True, office=office,
                          before=item[:mention.start])]


def _genitive(word: str) -> bool:
    return any("gen" in r.cases and r.pos in ("subst", "adj") for r in readings(word.lower()))


_POSSESSIVE_ROLE = re.compile(r"(?i)\b(?:nasz|nasza|naszego|naszą|naszej|nasze|naszym)\s+"
                              r"([^\W\d_]+(?:\s+[^\W\d_]+)?)")
# "… oraz księgowa (nazwisko podamy później)": a role joined to the people named before it.
_JOINED_ROLE = re.compile(r"(?i)(?<=[\s,)])(?:oraz|i|a także|jak również)\s+"
                          r"(?:(?:też|także|również)\s+)?([^\W\d_]+(?:\s+[^\W\d_]+)?)")
# Only a comma, a dash or an opening parenthesis between a name and the role that follows it.
_APPOSITION_GAP = re.compile(r"\s*[,–—(-]?\s*")


def _apposition(sentence: str, start: int, role_word: str,
                found: list[PersonMention]) -> bool:
    """'Pani Anny Lis, naszej koordynatorki': the role describes the name right before it."""
    for mention in found:
        if mention.end <= start and _APPOSITION_GAP.fullmatch(sentence, mention.end, start):
            # "Pana Jana Nowaka, naszą księgową": a woman's function, so a second person.
            return not (mention.reading.gender == "m1" and feminine_only(role_word))
    return False


def _after_person(sentence: str, start: int, found: list[PersonMention]) -> bool:
    """The conjunction at `start` follows a name, its parenthesis or its apposition."""
    before = sentence[:start].rstrip()
    return before.endswith((")", ",")) or any(m.end == len(before) for m in found)


def _unnamed_role(sentence: str, start: int) -> str | None:
    """The role written at `start` when no name follows it ('nasza księgowa.')."""
    words = sentence[start:].split(None, 2)[:2]
    if not words or not is_role_word(words[0]):
        return None
    end = 2 if len(words) > 1 and _genitive(words[1]) and words[1][:1].islower() \
        and words[1].lower() not in ("pani", "pana", "pan") and not is_possessive(words[1]) else 1
    after = sentence[start:].split(None, end)[end:]
    if after and (after[0][:1].isupper() or fold(after[0]).startswith(("pan", "p."))):
        return None  # "nasza prezes Pani Joanna Kaczmarek": the role of a named person
    return normalise_role(" ".join(words[:end]))


def possessive_roles(sentence: str) -> list[Rec]:
    """'… oraz nasza księgowa': a person named only by role next to named people."""
    return list(_possessive_roles(sentence))


@text_cache(maxsize=512, max_chars=_CACHED_CHARS)
def _possessive_roles(sentence: str) -> tuple[Rec, ...]:
    out: list[Rec] = []
    found = person_mentions(sentence, prefer=INLINE)
    starts: list[int] = []
    for match in _POSSESSIVE_ROLE.finditer(sentence):
        if not _apposition(sentence, match.start(), match.group(1), found):
            starts.append(match.start(1))
    for match in _JOINED_ROLE.finditer(sentence):
        if _after_person(sentence, match.start(), found):
            starts.append(match.start(1))
    for start in sorted(set(starts)):
        role = _unnamed_role(sentence, start)
        if role:
            out.append(Rec(None, role, None, None, 0.4, "wskazana tylko funkcją"))
    return tuple(out)


def role_only(sentence: str) -> list[Rec]:
    """'udział dwóch osób (prezes zarządu oraz koordynator wolontariuszy)': people without names."""
    return list(_role_only(sentence))


@text_cache(maxsize=512, max_chars=_CACHED_CHARS)
def _role_only(sentence: str) -> tuple[Rec, ...]:
    out: list[Rec] = []
    for part in _ROLE_PARTS.split(sentence):
        words = part.split()
        for i, word in enumerate(words):
            if is_role_word(word) and not (i and words[i - 1].lower() == "jako"):
                # The role and its genitive complements: "koordynator wolontariuszy".
                end = i + 1
                while end < len(words) and end < i + 3 and _genitive(words[end].strip(".")):
                    end += 1
                role = normalise_role(" ".join(words[i:end]).rstrip("."))
                if role:
                    out.append(Rec(None, role, None, None, 0.4, "wskazana tylko funkcją"))
                break
    return tuple(out)
