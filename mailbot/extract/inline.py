"""People named in sentences and list items: 'zgłaszam Pana X (prezes)', '- Jan Kowalski – skarbnik'."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.extract import cues
from mailbot.extract.morph import readings
from mailbot.extract.names import INLINE, NOMINATIVE
from mailbot.extract.personscan import PersonMention, person_mentions
from mailbot.extract.phones import emails_in, phones_in
from mailbot.extract.roles import is_role_word, normalise_role
from mailbot.extract.textprep import fold


@dataclass(frozen=True)
class Rec:
    """One attendee as read from one place in the text."""

    name: str | None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    confidence: float = 0.9
    reason: str = ""


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
        if depth == 0:
            match = re.match(r" [–—-] |; |, (?:a|ale|natomiast) ", sentence[i:])
            if match:
                spans.append((start, i))
                start = i + match.end()
                i = start
                continue
        i += 1
    spans.append((start, len(sentence)))
    return spans


def _parenthesis(after: str) -> str | None:
    match = re.match(r"\s*\(([^()]{1,200})\)", after)
    return match.group(1) if match else None


def _role_from(text: str, strict: bool) -> str | None:
    for segment in re.split(r",|;|\boraz\b|\s[–—-]\s", text):
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
        stripped = re.sub(r"^\s*[–—:,-]\s*", "", after) if re.match(r"\s*[–—:,-]", after) else ""
        if in_list:
            scope = after
            role = _role_from(stripped, strict=False) if stripped else None
        else:
            head = re.split(r",|;|\)|\boraz\b|\bi\b", stripped)[0] if stripped else ""
            role = normalise_role(head) if head else None
            scope = head
    emails = emails_in(scope, office)
    phones = phones_in(scope)
    return role, emails[0] if emails else None, phones[0] if phones else None


def _excluded(sentence: str, mention: PersonMention, clauses: list[tuple[int, int]]) -> bool:
    before = fold(sentence[max(0, mention.start - 30): mention.start])
    if cues.BEFORE_EXCLUDED.search(before + (" " + fold(mention.title) if mention.title else "")):
        return True
    if mention.title and cues.BEFORE_EXCLUDED.search(before):
        return True
    for start, end in clauses:
        if start <= mention.start < end:
            return bool(cues.NEGATIVE.search(fold(sentence[start:end])))
    return False


def _from_mention(sentence: str, mention: PersonMention, *, in_list: bool,
                  office: frozenset[str]) -> Rec:
    role, email, phone = details(sentence[mention.end:], in_list=in_list, office=office)
    return Rec(mention.name, role, email, phone, mention.reading.confidence, mention.reading.reason)


def sentence_people(sentence: str, office: frozenset[str]) -> list[Rec]:
    """Attendees named in a registration sentence (not the replaced or withdrawn ones)."""
    clauses = _clauses(sentence)
    out: list[Rec] = []
    for mention in person_mentions(sentence, prefer=INLINE):
        if _excluded(sentence, mention, clauses):
            continue
        out.append(_from_mention(sentence, mention, in_list=False, office=office))
    return out


def item_person(item: str, office: frozenset[str]) -> Rec | None:
    """The person a list item or table-free line starts with ('Halina Stępień - prezes, …')."""
    found = person_mentions(item, prefer=NOMINATIVE)
    if not found or found[0].start > 20:
        return None
    mention = found[0]
    if cues.NEGATIVE.search(fold(item)):
        return None
    return _from_mention(item, mention, in_list=True, office=office)


def _genitive(word: str) -> bool:
    return any("gen" in r.cases and r.pos in ("subst", "adj") for r in readings(word.lower()))


def role_only(sentence: str) -> list[Rec]:
    """'udział dwóch osób (prezes zarządu oraz koordynator wolontariuszy)': people without names."""
    out: list[Rec] = []
    for part in re.split(r",|;|\(|\)|\boraz\b|\bi\b|\ba także\b|\s[–—-]\s", sentence):
        words = part.split()
        for i, word in enumerate(words):
            if is_role_word(word):
                # The role and its genitive complements: "koordynator wolontariuszy".
                end = i + 1
                while end < len(words) and end < i + 3 and _genitive(words[end].strip(".")):
                    end += 1
                role = normalise_role(" ".join(words[i:end]).rstrip("."))
                if role:
                    out.append(Rec(None, role, None, None, 0.4, "named only by role"))
                break
    return out
