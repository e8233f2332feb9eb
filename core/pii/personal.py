"""Personal data in text: e-mail addresses (also in ``<mailto:…>`` and URL-encoded), Luhn-valid
payment card numbers (keeping the last four) and phone numbers (international and national
formats, also inside URLs). Ids, versions, dates and IP addresses are left alone.
"""

from __future__ import annotations

import re

from core.pii.hits import AllowList, Hit, PiiKind

_EMAIL_BODY = r"[A-Za-z0-9._%+'-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
_MAILTO = re.compile(rf"<mailto:(?P<addr>{_EMAIL_BODY})(?:\|[^>]*)?>")
_EMAIL = re.compile(rf"(?<![\w.%+'-])(?P<addr>{_EMAIL_BODY})(?![\w-])")
_EMAIL_ENCODED = re.compile(
    r"(?<![\w.%+-])(?P<addr>[A-Za-z0-9._%+-]+%40(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])")

_CARD = re.compile(r"(?<![\w.,/-])(?:\d[ \t\u00a0-]?){12,18}\d(?![\w.-]?\d)")
_ID_WORDS = re.compile(
    r"(?:order|orders|invoice|inv|ticket|case|request|req|ref|reference|tracking|shipment|"
    r"transaction|txn|trace|span|account|acct|customer|po|record|job|batch|build|run|"
    r"correlation|message|msg|id|no|number|nr|#)\W{0,3}$", re.IGNORECASE)
_CARD_WORDS = re.compile(r"\b(?:card|visa|mastercard|amex|cc|credit|debit|pan)\b",
                         re.IGNORECASE)

_PHONE_INTL = re.compile(
    r"(?<![\w+%])(?:\+|%2B|00(?=[1-9]))(?:\d[\s.\-()/]{0,2}){7,14}\d(?!\d)", re.IGNORECASE)
_PHONE_NANP = re.compile(
    r"(?<![\w.+/-])(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?![\w-]|\.\d)")
_PHONE_NATIONAL = re.compile(
    r"(?<![\w.+/-])0\d{1,4}(?:[\s.\-/]\d{2,4}){2,4}(?![\w-]|\.\d)|"
    r"(?<![\w.+/-])\(0\d{1,4}\)\s?\d{3,4}[\s-]?\d{3,4}(?![\w-]|\.\d)")
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|sms|whatsapp|ph|fax|call (?:me|him|her|them|us)"
    r"(?: back)? (?:at|on))"
    r"\b[^\d\n]{0,15}?(?P<value>\(?\d[\d\s.()-]{5,18}\d)(?![\w.-]?\d)", re.IGNORECASE)
_PHONE_URL = re.compile(
    r"(?:\btel:|[?&;](?:phone|tel|mobile|msisdn|cell|phone_?number|phoneNumber|whatsapp|sms)=)"
    r"(?P<value>[^&\s#\"'<>|]+)", re.IGNORECASE)
_VERSIONISH = re.compile(r"(?:\bv|version|build|release|rev|ver)\W{0,2}$", re.IGNORECASE)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card_brand_plausible(digits: str) -> bool:
    """Issuer prefixes of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners …)."""
    return bool(re.match(r"(?:4|5[1-5]|2[2-7]|3[47]|3[068]|35|6(?:011|5|4[4-9]|2)|50|5[6-9])",
                         digits)) and 13 <= len(digits) <= 19


def emails(text: str, allow: AllowList) -> list[Hit]:
    hits: list[Hit] = []
    for pattern, why in ((_MAILTO, "Slack mailto link"), (_EMAIL, "email address"),
                         (_EMAIL_ENCODED, "URL-encoded email address")):
        for m in pattern.finditer(text):
            addr = m.group("addr").replace("%40", "@")
            if allow.allows_email(addr) or addr.lower().startswith("git@"):
                continue
            hits.append(Hit(m.start(), m.end(), PiiKind.EMAIL, "[email]", "email address",
                             why))
    return hits


def cards(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = _digits(raw)
        seps = set(re.sub(r"\d", "", raw))
        if (len(seps) > 1 and seps != {" ", "-"}) or not _card_brand_plausible(digits):
            continue
        if not luhn_valid(digits):
            continue
        before = text[max(0, m.start() - 30):m.start()]
        if _ID_WORDS.search(before) and not _CARD_WORDS.search(before):
            continue  # "order 4111111111111111": an id that happens to pass Luhn
        hits.append(Hit(m.start(), m.end(), PiiKind.CARD, f"[card ••••{digits[-4:]}]",
                         "card number", "Luhn-valid card number"))
    return hits


def _phone_ok(raw: str, text: str, start: int, low: int = 8, high: int = 15) -> bool:
    digits = _digits(raw)
    if not low <= len(digits) <= high:
        return False
    if _VERSIONISH.search(text[max(0, start - 12):start]):
        return False
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", raw.strip()):
        return False  # an IPv4 address
    return not re.fullmatch(r"(?:19|20)\d\d[-./]\d\d[-./]\d\d.*", raw.strip())  # a date


def phones(text: str) -> list[Hit]:
    hits: list[Hit] = []

    def add(start: int, end: int, why: str) -> None:
        hits.append(Hit(start, end, PiiKind.PHONE, "[phone]", "phone number", why))

    for m in _PHONE_URL.finditer(text):
        value = m.group("value")
        if len(_digits(value)) >= 7:
            add(m.start("value"), m.end("value"), "phone number in a link")
    for m in _PHONE_INTL.finditer(text):
        raw = m.group().rstrip(" .-(/")
        if _phone_ok(raw.replace("%2B", "+").replace("%2b", "+"), text, m.start()):
            add(m.start(), m.start() + len(raw), "international phone number")
    for m in _PHONE_NANP.finditer(text):
        if _phone_ok(m.group(), text, m.start(), low=10, high=10):
            add(m.start(), m.end(), "national phone number")
    for m in _PHONE_NATIONAL.finditer(text):
        if _phone_ok(m.group(), text, m.start(), low=9, high=12):
            add(m.start(), m.end(), "national phone number")
    for m in _PHONE_CONTEXT.finditer(text):
        raw = m.group("value")
        if _phone_ok(raw, text, m.start("value"), low=7, high=15):
            add(m.start("value"), m.end("value"), "number given as a phone")
    return hits
