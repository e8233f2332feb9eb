"""Redaction of customer PII and secrets (seed 003: "do not access customer PII").

One pure engine for every text the bot handles: a thread before it is drafted (and before it
reaches an LLM), every answer typed into a modal before it is stored, and everything posted.
It removes e-mail addresses (also inside Slack's ``<mailto:…>`` and URL-encoded in log lines),
phone numbers (international and national formats, also inside URLs), Luhn-valid payment card
numbers (keeping the last four), API keys and tokens (well-known prefixes, bearer tokens, JWTs,
session cookies, ``api_key=…`` pairs, credentials in URLs), passwords given in text and
private keys. Each removal leaves a placeholder that says what was there (``[email]``,
``[card ••••0053]``, ``[secret: sk_live_…]``); a :class:`Finding` records where and why, never
the value itself.

Not PII, left alone: masked values (``sk_test_…``, ``••••1234``), ticket, request and trace
ids, UUIDs, version numbers, dates, company names, and whatever the YAML allow-list names
(e.g. the company's own e-mail domains).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    SECRET = "secret"
    PASSWORD = "password"
    PRIVATE_KEY = "private_key"


@dataclass(frozen=True)
class Finding:
    """One removed item: where it was in the original text and what replaced it."""

    kind: PiiKind
    start: int
    end: int
    placeholder: str
    label: str  # singular noun, e.g. "email address", "card number", "API key"
    why: str

    @property
    def noun(self) -> str:
        """The label with its article: "an email address"."""
        return f"{'an' if self.label[0].lower() in 'aeiou' else 'a'} {self.label}"


_PLURALS = {"email address": "email addresses", "private key": "private keys",
            "JWT": "JWTs"}


def _counted(label: str, n: int) -> str:
    if n == 1:
        return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label}"
    return f"{n} {_PLURALS.get(label, label + 's')}"


def summarize(findings: Iterable[Finding]) -> str:
    """``"2 items removed: an email address, a card number"``; empty when nothing was removed."""
    found = list(findings)
    if not found:
        return ""
    counts = Counter(f.label for f in found)
    parts = [_counted(label, n) for label, n in counts.items()]
    total = len(found)
    return f"{total} item{'s' if total > 1 else ''} removed: {', '.join(parts)}"


@dataclass(frozen=True)
class Redacted:
    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    def summary(self) -> str:
        return summarize(self.findings)


@dataclass(frozen=True)
class AllowList:
    """What the team says is not PII: its own e-mail domains, and exact strings."""

    domains: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()

    def allows_email(self, address: str) -> bool:
        domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


NO_ALLOW = AllowList()

# --- patterns -------------------------------------------------------------------------------

_MASK_CHARS = "…*•●x×X"
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?!\n\s*\n).)*)",
    re.DOTALL)
_PUTTY_KEY = re.compile(r"PuTTY-User-Key-File-\d:.*?Private-MAC: *\w+", re.DOTALL)

_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")

# Well-known token prefixes → the prefix shown in the placeholder.
_KEY_PREFIXES = (
    r"sk_live_|rk_live_|sk_test_|rk_test_|pk_live_|whsec_|xox[abposr]-|xapp-|xoxe\.xox[bp]-|"
    r"ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|glptt-|npm_|shpat_|shpss_|shpca_|"
    r"sk-proj-|sk-ant-|sk-|AIza|SG\.|sq0atp-|sq0csp-|EAACEdEose0cBA|ya29\.|hf_|dop_v1_|"
    r"pat[A-Za-z0-9]{14}\.|ATATT3|AKIA|ASIA|AGPA|AIDA|AROA"
)
_KEY = re.compile(
    rf"(?<![\w-])(?P<prefix>{_KEY_PREFIXES})(?P<body>[A-Za-z0-9_\-.=/+]+)")
_KEY_MIN_BODY = {"AKIA": 16, "ASIA": 16, "AGPA": 16, "AIDA": 16, "AROA": 16, "AIza": 30,
                 "sk-": 20, "hf_": 20, "ya29.": 20, "SG.": 20}
# A key wrapped onto the next line (e-mail clients and terminals wrap long tokens).
_WRAP_TAIL = re.compile(r"[ \t]*\r?\n[ \t>]*(?P<tail>[A-Za-z0-9_\-+/=]{6,})(?=[\s\"',;)\]}]|$)")

_BEARER = re.compile(
    r"(?P<lead>\b(?:Bearer|Token|Basic)\s+)(?P<value>[A-Za-z0-9\-._~+/]{16,}=*)",
    re.IGNORECASE)
_SESSION_NAMES = (r"(?:[A-Za-z0-9_.-]*session[A-Za-z0-9_.-]*|sess(?:ion)?id|sid|connect\.sid|"
                  r"phpsessid|jsessionid|aspsessionid\w*|remember_(?:token|me)|auth_token|"
                  r"access_token|refresh_token|csrftoken|xsrf-token|_csrf|laravel_session|"
                  r"__Secure-[A-Za-z0-9_.-]+|__Host-[A-Za-z0-9_.-]+|d|d-s)")
_COOKIE_PAIR = re.compile(
    rf"(?<![\w.-])(?P<name>{_SESSION_NAMES})=(?P<value>[^;\s\"',&]{{8,}})", re.IGNORECASE)
_HAR_COOKIE = re.compile(
    rf"\"name\"\s*:\s*\"(?P<name>{_SESSION_NAMES})\"\s*,\s*\"value\"\s*:\s*\"(?P<value>[^\"]{{8,}})\"",
    re.IGNORECASE)
_KEY_VALUE = re.compile(
    r"(?P<name>\b(?:api[_-]?key|apikey|x-api-key|api[_-]?secret|access[_-]?key(?:[_-]?id)?|"
    r"secret[_-]?access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|"
    r"id[_-]?token|client[_-]?secret|secret[_-]?key|signing[_-]?secret|private[_-]?token|"
    r"webhook[_-]?secret|app[_-]?secret|consumer[_-]?secret|token|secret)\b)"
    r"(?P<sep>\"?\s*[:=]\s*\"?|\s+(?:is|was)\s+)(?P<value>[A-Za-z0-9_\-./+=]{12,})",
    re.IGNORECASE)
_URL_CREDENTIALS = re.compile(
    r"\b(?:https?|ftp|sftp|postgres(?:ql)?|mysql|redis|rediss|mongodb(?:\+srv)?|amqps?)://"
    r"[^:/\s@<>]+:(?P<value>[^@/\s<>]+)@")

_PASSWORD = re.compile(
    r"\b(?P<name>passwords?|passwd|pwd|pw|passcode|passphrase|pass|pin)\b"
    r"(?P<sep>\s*[:=]\s*|\s+(?:is|was|=)\s+(?:now\s+|set\s+to\s+|still\s+)?|"
    r"\s+(?:set|changed|reset)\s+to\s+)"
    r"(?P<q>[\"'“‘`]?)(?P<value>[^\s\"'”’`]+)",
    re.IGNORECASE)
_PASSWORD_NOT_VALUES = frozenset([
    "a", "an", "the", "not", "no", "none", "n/a", "na", "empty", "blank", "missing", "wrong",
    "right", "correct", "incorrect", "invalid", "valid", "expired", "expiring", "required",
    "needed", "optional", "reset", "changed", "set", "same", "ok", "okay", "fine", "accepted",
    "rejected", "correct,", "being", "too", "still", "now", "weak", "strong", "unknown",
    "hidden", "masked", "redacted", "protected", "sent", "shared", "stored", "saved", "known",
    "lost", "forgotten", "case-sensitive", "mandatory", "enforced", "disabled", "enabled",
    "locked", "unlocked", "rotated", "updated", "different", "new", "old", "temporary",
    "managed", "synced"
])

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


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: PiiKind
    placeholder: str
    label: str
    why: str


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


def _masked(value: str) -> bool:
    return any(c in value for c in _MASK_CHARS[:4]) or bool(re.fullmatch(r"[xX*•.]{3,}.*",
                                                                          value))


def _looks_random(value: str) -> bool:
    """A token, not a word: it mixes letters with digits (or is long and mixed-case)."""
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    mixed_case = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return (has_digit and has_alpha) or (len(value) >= 20 and mixed_case)


def _secrets(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for m in _PRIVATE_KEY.finditer(text):
        hits.append(_Hit(m.start(), m.end(), PiiKind.PRIVATE_KEY, "[private key]",
                         "private key", "PEM private key block"))
    for m in _PUTTY_KEY.finditer(text):
        hits.append(_Hit(m.start(), m.end(), PiiKind.PRIVATE_KEY, "[private key]",
                         "private key", "PuTTY private key"))
    for m in _JWT.finditer(text):
        hits.append(_Hit(m.start(), m.end(), PiiKind.SECRET, "[secret: JWT]", "JWT",
                         "JSON Web Token (three base64url parts)"))
    for m in _KEY.finditer(text):
        prefix, body = m.group("prefix"), m.group("body").rstrip(".=/")
        if _masked(body) or len(body) < _KEY_MIN_BODY.get(prefix, 8):
            continue
        if prefix in ("sk-", "AIza", "SG.", "hf_") and not _looks_random(body):
            continue  # "sk-learn", "SG.gov" …
        if prefix.startswith(("AKIA", "ASIA", "AGPA", "AIDA", "AROA")) and not re.match(
                r"[A-Z0-9]{16}", body):
            continue
        end = m.start("body") + len(body)
        wrap = _WRAP_TAIL.match(text, end)
        if wrap and _looks_random(wrap.group("tail")) and len(body) >= 16:
            end = wrap.end("tail")
        hits.append(_Hit(m.start(), end, PiiKind.SECRET, f"[secret: {prefix}…]", "API key",
                         f"token with the {prefix} prefix"))
    for m in _BEARER.finditer(text):
        value = m.group("value")
        if _masked(value) or not _looks_random(value):
            continue
        scheme = m.group("lead").split()[0].lower()
        hits.append(_Hit(m.start("value"), m.end("value"), PiiKind.SECRET,
                         f"[secret: {scheme} token]", f"{scheme} token",
                         "credential in an Authorization header"))
    for pattern in (_COOKIE_PAIR, _HAR_COOKIE):
        for m in pattern.finditer(text):
            value = m.group("value")
            if _masked(value) or (not _looks_random(value) and len(value) < 24):
                continue
            hits.append(_Hit(m.start("value"), m.end("value"), PiiKind.SECRET,
                             "[secret: session cookie]", "session cookie",
                             f"value of the {m.group('name')} cookie"))
    for m in _KEY_VALUE.finditer(text):
        value = m.group("value")
        if _masked(value) or not _looks_random(value):
            continue
        hits.append(_Hit(m.start("value"), m.end("value"), PiiKind.SECRET, "[secret]",
                         "API key", f"value given for {m.group('name')}"))
    for m in _URL_CREDENTIALS.finditer(text):
        if _masked(m.group("value")):
            continue
        hits.append(_Hit(m.start("value"), m.end("value"), PiiKind.PASSWORD, "[password]",
                         "password", "password inside a URL"))
    for m in _PASSWORD.finditer(text):
        value = m.group("value").rstrip(".,;:")
        sep = m.group("sep").strip().lower()
        if (not value or _masked(value) or value.lower() in _PASSWORD_NOT_VALUES
                or value.startswith("[")):
            continue
        if m.group("name").lower() == "pin" and not value.isdigit():
            continue
        quoted = bool(m.group("q"))
        if sep not in (":", "=") and not quoted and not (
                _looks_random(value) or re.search(r"[^\w]", value)
                or any(c.isupper() for c in value[1:])):
            continue  # "the password is expired": words after "is" need to look like one
        start = m.start("value")
        hits.append(_Hit(start, start + len(value), PiiKind.PASSWORD, "[password]", "password",
                         f"value given after “{m.group('name')}”"))
    return hits


def _emails(text: str, allow: AllowList) -> list[_Hit]:
    hits: list[_Hit] = []
    for pattern, why in ((_MAILTO, "Slack mailto link"), (_EMAIL, "email address"),
                         (_EMAIL_ENCODED, "URL-encoded email address")):
        for m in pattern.finditer(text):
            addr = m.group("addr").replace("%40", "@")
            if allow.allows_email(addr) or addr.lower().startswith("git@"):
                continue
            hits.append(_Hit(m.start(), m.end(), PiiKind.EMAIL, "[email]", "email address",
                             why))
    return hits


def _cards(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
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
        hits.append(_Hit(m.start(), m.end(), PiiKind.CARD, f"[card ••••{digits[-4:]}]",
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


def _phones(text: str) -> list[_Hit]:
    hits: list[_Hit] = []

    def add(start: int, end: int, why: str) -> None:
        hits.append(_Hit(start, end, PiiKind.PHONE, "[phone]", "phone number", why))

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


def redact(text: str, *, allow: AllowList = NO_ALLOW) -> Redacted:
    """``text`` with every PII item and secret replaced by a placeholder saying what it was."""
    if not text:
        return Redacted(text)
    # On overlap the earlier start wins; at the same start secrets beat emails beat cards
    # beat phones (a URL's password is not an email), then the longer hit wins.
    groups = (_secrets(text), _emails(text, allow), _cards(text), _phones(text))
    ranked = [(h.start, rank, -(h.end - h.start), h) for rank, hits in enumerate(groups)
              for h in hits]
    chosen: list[_Hit] = []
    for *_, h in sorted(ranked, key=lambda r: r[:3]):
        if text[h.start:h.end] in allow.literals:
            continue
        if chosen and h.start < chosen[-1].end:
            continue
        chosen.append(h)
    if not chosen:
        return Redacted(text)
    out: list[str] = []
    at = 0
    findings: list[Finding] = []
    for h in chosen:
        out.append(text[at:h.start])
        out.append(h.placeholder)
        at = h.end
        findings.append(Finding(h.kind, h.start, h.end, h.placeholder, h.label, h.why))
    out.append(text[at:])
    return Redacted("".join(out), tuple(findings))


def redact_all(values: Mapping[str, str], *, allow: AllowList = NO_ALLOW
               ) -> tuple[dict[str, str], dict[str, Redacted]]:
    """Redact every value; returns the clean values and, for keys that changed, the result."""
    clean: dict[str, str] = {}
    changed: dict[str, Redacted] = {}
    for key, value in values.items():
        result = redact(value, allow=allow)
        clean[key] = result.text
        if result.changed:
            changed[key] = result
    return clean, changed
