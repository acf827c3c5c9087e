"""PURE word lists for the classifier: bounce and out-of-office wording, robot senders (PL + EN)."""

from __future__ import annotations

import re

_I = re.IGNORECASE

ROBOT_LOCAL = re.compile(
    r"^(?:mailer[-_.]?daemon|postmaster|no[-_.]?reply|donotreply|do[-_.]not[-_.]reply|"
    r"noreply[-_.+].*|.*[-_.]noreply|listserv|majordomo|mailman|bounces?(?:[-_.+].*)?|"
    r".+-request|owner-.+|.+-owner|.+-bounces?)$",
    _I,
)
# Display names of mail systems whose address may be missing or odd.
ROBOT_NAME = re.compile(r"\b(?:mailer[- ]daemon|mail delivery (?:system|subsystem)|postmaster)\b",
                        _I)

BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|delivery (?:status notification|failure|has failed|failed|problem)|"
    r"mail delivery failed|returned mail|failure notice|non[- ]?delivery|"
    r"nie ?dostarcz|niedor[ęe]cz|nie mo[żz]na dostarczy[ćc]|zwrot (?:poczty|wiadomo)|"
    r"b[łl][ąa]d dostarczenia|unzustellbar|delivery notification",
    _I,
)
BOUNCE_TEXT = re.compile(
    r"could not be delivered|couldn't be delivered|was not delivered|delivery (?:to the following "
    r"recipients? )?(?:has )?failed|permanent (?:error|failure)|the following address(?:es|\(es\))? "
    r"failed|user unknown|mailbox (?:unavailable|full|is full)|quota exceeded|"
    r"recipient address rejected|undeliverable|unable to deliver|"
    r"nie powiod[łl]o si[ęe]|nie zosta[łl]a dostarczona|nie mo[żz]na dostarczy[ćc]|"
    r"skrzynka (?:pocztowa )?(?:adresata )?(?:jest )?pe[łl]na|adres (?:odbiorcy )?nie istnieje",
    _I,
)

# Subjects that only an autoresponder writes, at the start of the subject.
AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[?auto(?:matic)?[- ]?(?:reply|response|answer)\]?|autoreply|auto:|"
    r"out of (?:the )?office|ooo\b|automatyczna odpowied[źz]|odpowied[źz] automatyczna|"
    r"autoodpowied[źz]|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|"
    r"respuesta autom[áa]tica|risposta automatica|vacation(?: reply)?:)",
    _I,
)
# Subjects an autoresponder often writes, but a person might too: need body evidence.
AUTO_SUBJECT_WEAK = re.compile(
    r"urlop|poza biurem|nieobecno[śs][ćc]|nieobecn[ya]|out of office|away from (?:the )?office|"
    r"on vacation|odpowied[źz] automatyczna|automatic reply",
    _I,
)
# Out-of-office body wording; STRONG alone suffices, otherwise two different cues.
AUTO_TEXT_STRONG = re.compile(
    r"wygenerowan\w* automatycznie|automatycznie wygenerowan|automatyczn\w* odpowied[źz]|"
    r"odpowied[źz] automatyczn\w*|this is an? (?:automatic|automated|auto-?generated) "
    r"(?:reply|response|message)|i am (?:currently )?out of (?:the )?office|"
    r"i'm (?:currently )?out of (?:the )?office|abwesenheitsnotiz",
    _I,
)
AUTO_TEXT_CUES = (
    re.compile(r"\b(?:jestem|b[ęe]d[ęe]) (?:obecnie )?(?:poza biurem|na urlopie|nieobecn\w*|"
               r"na zwolnieniu|w podr[óo][żz]y|na delegacji|na szkoleniu)", _I),
    re.compile(r"\bprzebywam (?:obecnie )?(?:na urlopie|poza biurem|na zwolnieniu|w podr[óo][żz]y|"
               r"na delegacji|na szkoleniu)", _I),
    re.compile(r"\bnieobecn\w* (?:w biurze |w pracy )?(?:do|od|w dniach|w terminie)\b", _I),
    re.compile(r"(?:nie mam|z ograniczonym|bez) dost[ęe]p\w* do (?:poczty|e-?maila|skrzynki|"
               r"internetu)", _I),
    re.compile(r"\bodpowiem\b.{0,40}\bpo (?:moim )?powrocie", _I),
    re.compile(r"\bw sprawach pilnych\b", _I),
    re.compile(r"\b(?:i am|i'm|i will be) (?:currently )?(?:away|on (?:annual )?leave|"
               r"on vacation|on holiday|travel+ing)", _I),
    re.compile(r"\b(?:limited|no) access to (?:my )?e-?mail", _I),
    re.compile(r"\b(?:upon|after|when) (?:i|my) return", _I),
    re.compile(r"\bfor urgent (?:matters|issues|enquiries|inquiries)", _I),
    re.compile(r"\bdzi[ęe]kuj[ęe] za (?:wiadomo[śs][ćc]|e-?mail|list)", _I),
    re.compile(r"\bthank you for your (?:e-?mail|message)", _I),
)
# A person registering, cancelling or asking: the text is not an out-of-office notice.
HUMAN_TEXT = re.compile(
    r"\bzg[łl]asza(?:m|my)?\b|\bzg[łl]osi[ćc]\b|\bzg[łl]oszeni[ea] (?:udzia|na)|\bzapisa[ćc]\b|"
    r"\brejestruj\w*|\brezygnuj\w*|\bwykre[śs]l\w*|\bwezm[ęe] udzia|\bwe[źz]miemy udzia|"
    r"\bwe[źz]mie udzia|\bchcia[łl]\w* (?:by[mś]\w* )?(?:wzi[ąa][ćc]|zapisa[ćc]|zg[łl]osi[ćc])|"
    r"\bI would like to (?:register|attend)|\bplease register\b",
    _I,
)
AUTO_TEXT_MAX_CHARS = 1500
