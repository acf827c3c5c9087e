"""Polish (with or without diacritics) and English phrases that say what a sentence does.

Every pattern runs on folded text (textprep.fold: lower case, no diacritics, same length).
"""

from __future__ import annotations

import re

from mailbot.textutil import text_cache

# Registers someone (first person, or the organisation as the subject).
REGISTRATION = re.compile(
    r"\bzglasz(?:am|amy|a|aja)\b|\bzapis(?:uje|ujemy|ac sie|alem|alam)\b"
    r"|\brejestruj(?:e|emy)\b|\bdeleguj(?:e|emy)\b|\boddelegow\w*"
    # The intent to attend, in any person ("chcielibyśmy wziąć udział", "chcemy się zapisać",
    # "nasza fundacja chciałaby", "pragniemy zgłosić"); "nie chcemy" states the opposite.
    r"|(?<!nie )\b(?:chc(?:e|emy|a|ial\w*|iel\w*)|pragn(?:e|iemy|ie|a)|zamierza(?:m|my|ja)?"
    r"|planuj(?:e|emy|a)) (?:(?:bardzo|rowniez|takze|tez|jednak|serdecznie|chetnie) )?"
    r"(?:sie )?(?:zapisac|zglosic|zarejestrowac|wpisac|wziac udzial|uczestniczyc|przyjsc"
    r"|byc obecn)"
    r"|\b(?:wyrazam\w*|deklaruj\w*) (?:nasza |swoja |moja )?chec (?:udzialu|uczestnictwa|"
    r"wziecia udzialu)|\bdeklaruj\w* (?:nasz |swoj |moj )?(?:udzial|uczestnictwo|obecnosc)"
    r"|\bpros(?:ze|imy) o (?:zapisanie|rejestracje|zarejestrowanie|wpisanie|dopisanie"
    r"|przyjecie (?:naszego |mojego )?zgloszenia)"
    r"|\b(?:przesylam|przesylamy|zalaczam|zalaczamy|w zalaczeniu)\b[^.\n]{0,80}"
    r"(?:zgloszeni|formularz)"
    r"|(?<!nie )\b(?:wezme|wezmiemy|wezmie|wezma) udzial|(?<!nie )\bbed(?:e|ziemy|zie|a) "
    r"uczestniczyc|\bw (?:jej|jego|ich) miejsce\b|\bzamiast\b|\bw zastepstwie\b"
    r"|(?<!nie )\bprzyjd(?:e|zie|ziemy|a)\b"
    r"|\bwraz z\b[^.\n]{0,40}\b(?:pan|pani|p\.)"
    r"|\b(?:i|we) would like to register\b|\bplease register\b|\bregister(?:ing)? (?:for|to) the"
    r"|\b(?:i|we) will attend\b"
    r"|\bpotwierdzam\w* (?:nasza |moja |swoja )?obecnosc|(?<!nie )\bbed(?:e|ziemy) obecn\w*"
    r"|(?<!nie )\bbede ja\b|\bpotwierdzam\w* (?:moj |swoj |nasz )?udzial"
    r"|(?<!nie )\bbed(?:e|ziemy) reprezentowac|\breprezentowac bed(?:e|ziemy)",
)
# The sender says they attend themselves.
SELF = re.compile(
    r"\bzglaszam (?:swoj|moj) udzial|\bzglaszam (?:rowniez |takze |tez )?siebie\b"
    r"|\b(?:oraz|i|a takze|jak rowniez) siebie\b|\b(?:zapisac|zapisuje|zglosic|zglaszam|"
    r"zarejestrowac) sie\b|(?<!nie )\bwezme udzial\b|(?<!nie )\bbede uczestniczyc\b"
    r"|(?<!nie )\bprzyjde\b"
    r"|(?<!nie )\b(?:chcial(?:bym|abym)|pragne|zamierzam) (?:sie (?:zapisac|zglosic|zarejestrowac)"
    r"|wziac udzial|uczestniczyc|przyjsc|byc obecn)"
    r"|\bja oraz\b|\boraz ja\b|\bi ja\b|\bmnie oraz\b|\bregister myself\b|\bi will attend\b"
    r"|\b(?:zglosic|zapisac|zarejestrowac|zglaszam|zapisuje|rejestruje) (?:rowniez |takze )?siebie\b"
    r"|\bpotwierdzam\w* (?:moja |swoja )?obecnosc|(?<!nie )\bbede obecn\w*|(?<!nie )\bbede ja\b"
    r"|\bpotwierdzam (?:moj |swoj )?udzial|(?<!nie )\bbede reprezentowac|\breprezentowac bede"
    r"|\bzglaszam (?:moj |swoj )?udzial\b[^.]{0,80}\bjako (?:przedstawiciel|reprezentant|czlon)"
)
# A first-person singular word: "zapisać się" alone may be an invitation ("prosimy zapisać się"),
# so a forwarded message's writer registers themself only when they speak of themself.
FIRST_PERSON = re.compile(
    r"\b(?:zglaszam|zapisuje|rejestruje|wezme|bede|przyjde|potwierdzam|deklaruje|wyrazam|chce"
    r"|chcial(?:bym|abym)|pragne|zamierzam|planuje|ja|mnie|myself|i (?:will|would))\b")
# "Zgłaszam udział w konferencji." with nobody else named: the writer means themself.
WEAK_SELF = re.compile(r"\bzglaszam (?:moj |swoj )?udzial w (?:konferencji|spotkaniu|wydarzeniu)"
                       r"(?![^.:]*\b(?:osob|przedstawicieli|czlonkow|pracownikow|nastepujac))"
                       r"[^:]*$")
# A clause about someone who will NOT attend (they are not attendees).
NEGATIVE = re.compile(
    r"\bnie (?:bedzie|bede|bedziemy|moze|moge|mozemy|wezmie|wezme|wezmiemy|przyjdzie|"
    r"przyjde|dotrze|pojawi)|\brezygn\w*|\bwykresl\w*|\bskresl\w*|\bodwol\w*|\bwycof\w*"
    r"|\bchorob\w*|\bwill not attend|\bcannot attend|\bcan't attend"
)
# Words right before a name that mark the person being replaced or a contact, not an attendee.
BEFORE_EXCLUDED = re.compile(
    r"(?:zamiast|w zastepstwie(?: za)?|w miejsce|kontakt\w*(?: do| z)?|od|instead of)"
    r"\s*(?:pan\w*|p\.|dr|mgr)?\s*$"
)
# Words right before a name that mark the person being replaced (the contact words left out).
BEFORE_REPLACED = re.compile(
    r"(?:zamiast|w zastepstwie(?: za)?|w miejsce|instead of)\s*(?:pan\w*|p\.|dr|mgr)?\s*$"
)
# The writer is the one replaced: "zamiast mnie przyjdzie …", "nie mogę przyjść".
SELF_REPLACED = re.compile(
    r"\bzamiast mnie\b|\bw (?:moje|moim) miejsce\b|\bw moim zastepstwie\b"
    r"|\bnie (?:moge|bede mogl\w*) (?:jednak )?(?:przyjsc|uczestniczyc|wziac udzialu|byc obecn)"
    r"|\bnie (?:przyjde|dotre)\b|\bnie wezme (?:jednak )?udzialu|\bnie bede (?:uczestniczyc|obecn)"
)
# Withdraws a registration.
CANCELLATION = re.compile(
    r"\brezygnuj\w*|\brezygnacj\w*|\bzrezygnowa\w*"
    r"|\bnie (?:wezmiemy|wezme|wezmie|wezma) (?:jednak )?(?:dzis |jutro )?udzialu"
    r"|\bnie (?:bedziemy|bede|bedzie) (?:mogl\w* )?(?:uczestniczyc|obecn\w*)"
    r"|\bnie (?:mozemy|moge) (?:jednak )?(?:wziac udzialu|uczestniczyc|przyjsc)"
    r"|\bnie (?:przyjdziemy|przyjde)\b|\bnikt (?:z nas |od nas )?nie (?:przyjdzie|bedzie|wezmie)"
    r"|\bodwol\w* (?:nasze |swoje |moje |to |nasz |swoj |moj )?(?:zgloszeni|udzial)\w*"
    r"|\bwycofuj\w* (?:nasze |swoje |moje )?zgloszeni\w*|\bwycofuj\w* sie z udzialu"
    r"|\banuluj\w* (?:nasze |swoje |moje )?zgloszeni\w*"
    r"|\b(?:o |prosimy o |prosze o )?(?:wykreslenie|skreslenie|usuniecie) z listy"
    r"|\bcancel (?:our|my) (?:registration|participation)|\bwithdraw (?:our|my) registration"
)
# Not about the conference: unsubscribing from a newsletter.
UNSUBSCRIBE = re.compile(r"subskrypc|newslett|wypisa|mailing|otrzymywani|unsubscrib|powiadomie")
# The cancellation is only partial or a change of person.
REPLACEMENT = re.compile(r"\bw (?:jej|jego|ich) miejsce\b|\bzamiast\b|\bw zastepstwie\b|"
                         r"\bzastapi\w*|\bzmian\w* osob\w*")
# A change of person, for the withdrawn people: also "w miejsce Pani X" (kept out of
# REPLACEMENT so that the kind reader's partial-cancellation test stays as it was).
CHANGE_OF_PERSON = re.compile(REPLACEMENT.pattern + r"|\bw miejsce\b|\binstead of\b")
PARTIAL = re.compile(r"\bpozostal\w*|\bbez zmian\b|\bnadal\b")
# Asks something.
QUESTION = re.compile(
    r"\?|\bprosz\w* o (?:informacj\w*|odpowiedz\w*|wyjasnieni\w*)|\bchcial\w* (?:sie )?zapytac"
    r"|\buprzejmie prosz\w* o informacj"
)
# The mail is about the event at all.
EVENT = re.compile(r"konferencj|\budzial|zglosz|zglasz|\bzapis|rejestr|\buczestn|wydarzeni|"
                   r"spotkani|wspolnie dla krakowa|\bconference\b|\bregister (?:for|to)\b|"
                   r"\battend (?:the|your)\b")


# A yes/no question open before the cue, in the same clause: "czy mogę zapisać się …?" asks.
_ASKED = re.compile(r"\bczy\b[^.;:!,?]*$")


def _said(pattern: re.Pattern[str], folded: str) -> bool:
    """Whether `pattern` occurs in `folded` outside a question about it."""
    return any(not _ASKED.search(folded, 0, m.start()) for m in pattern.finditer(folded))


def _scanner(pattern: re.Pattern[str], first: str) -> re.Pattern[str]:
    """`pattern` behind a lookahead for the characters its matches can start with.

    sre tries every alternative of a large pattern at every position; the lookahead skips the
    positions where no match can start, so search and finditer find the same matches (same
    spans, same order) several times faster. tests/test_extract_speed3.py proves `first`
    covers every match's first character from the parsed pattern.
    """
    return re.compile(f"(?=[{first}])(?:{pattern.pattern})", pattern.flags)


REGISTRATION_SCAN = _scanner(REGISTRATION, "bcdioprwz")
SELF_SCAN = _scanner(SELF, "abcijmoprwz")
QUESTION_SCAN = _scanner(QUESTION, "?cpu")
EVENT_SCAN = _scanner(EVENT, "ackrsuwz")
CANCELLATION_SCAN = _scanner(CANCELLATION, "acnoprsuwz")


# Substrings that every match of REGISTRATION (CANCELLATION, SELF) contains; tests/test_read_speed.py checks
# them against the parsed patterns. A sentence with none of them cannot match, so the large
# patterns run only on sentences that might (most sentences have none).
REGISTRATION_WORDS = (
    "zglasz", "zapis", "rejestruj", "deleguj", "oddelegow", "zglosic", "zarejestrowac", "wpisac",
    "wziac udzial", "uczestniczyc", "przyjsc", "byc obecn", "chec ", "deklaruj", "pros",
    "zgloszeni", "formularz", " udzial", "miejsce", "zamiast", "zastepstwie", "przyjd", "wraz z",
    "register", "will attend", "potwierdzam", "obecn", "bede ja", "reprezentowac")
CANCELLATION_WORDS = ("rezygn", "nie ", "nikt", "odwol", "wycofuj", "anuluj", "z listy",
                      "cancel ", "withdraw ")
SELF_WORDS = (
    "zglaszam", "siebie", " sie", "wezme udzial", "bede", "przyjde", "chcial", "pragne",
    "zamierzam", "ja oraz", "oraz ja", "i ja", "mnie oraz", "register myself", "i will attend",
    "potwierdzam", "reprezentowac bede")


# Both are asked of the same sentences by several extractors.
@text_cache(maxsize=1024, max_chars=1000)
def registration_cue(folded: str) -> bool:
    return any(word in folded for word in REGISTRATION_WORDS) and _said(REGISTRATION_SCAN, folded)


@text_cache(maxsize=1024, max_chars=1000)
def self_cue(folded: str) -> bool:
    return any(word in folded for word in SELF_WORDS) and _said(SELF_SCAN, folded)
