"""Secrets in text: private keys, JWTs, API keys and tokens (well-known prefixes, bearer
tokens, ``api_key=…`` pairs), session cookies, credentials in URLs and passwords given in text.
Masked values (``sk_test_…``, ``••••``) and words that only look like a value are left alone.
"""

from __future__ import annotations

import re

from core.pii.hits import Hit, PiiKind

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


def _masked(value: str) -> bool:
    return any(c in value for c in _MASK_CHARS[:4]) or bool(re.fullmatch(r"[xX*•.]{3,}.*",
                                                                          value))


def _looks_random(value: str) -> bool:
    """A token, not a word: it mixes letters with digits (or is long and mixed-case)."""
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    mixed_case = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return (has_digit and has_alpha) or (len(value) >= 20 and mixed_case)


def find(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for m in _PRIVATE_KEY.finditer(text):
        hits.append(Hit(m.start(), m.end(), PiiKind.PRIVATE_KEY, "[private key]",
                         "private key", "PEM private key block"))
    for m in _PUTTY_KEY.finditer(text):
        hits.append(Hit(m.start(), m.end(), PiiKind.PRIVATE_KEY, "[private key]",
                         "private key", "PuTTY private key"))
    for m in _JWT.finditer(text):
        hits.append(Hit(m.start(), m.end(), PiiKind.SECRET, "[secret: JWT]", "JWT",
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
        hits.append(Hit(m.start(), end, PiiKind.SECRET, f"[secret: {prefix}…]", "API key",
                         f"token with the {prefix} prefix"))
    for m in _BEARER.finditer(text):
        value = m.group("value")
        if _masked(value) or not _looks_random(value):
            continue
        scheme = m.group("lead").split()[0].lower()
        hits.append(Hit(m.start("value"), m.end("value"), PiiKind.SECRET,
                         f"[secret: {scheme} token]", f"{scheme} token",
                         "credential in an Authorization header"))
    for pattern in (_COOKIE_PAIR, _HAR_COOKIE):
        for m in pattern.finditer(text):
            value = m.group("value")
            if _masked(value) or (not _looks_random(value) and len(value) < 24):
                continue
            hits.append(Hit(m.start("value"), m.end("value"), PiiKind.SECRET,
                             "[secret: session cookie]", "session cookie",
                             f"value of the {m.group('name')} cookie"))
    for m in _KEY_VALUE.finditer(text):
        value = m.group("value")
        if _masked(value) or not _looks_random(value):
            continue
        hits.append(Hit(m.start("value"), m.end("value"), PiiKind.SECRET, "[secret]",
                         "API key", f"value given for {m.group('name')}"))
    for m in _URL_CREDENTIALS.finditer(text):
        if _masked(m.group("value")):
            continue
        hits.append(Hit(m.start("value"), m.end("value"), PiiKind.PASSWORD, "[password]",
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
        hits.append(Hit(start, start + len(value), PiiKind.PASSWORD, "[password]", "password",
                         f"value given after “{m.group('name')}”"))
    return hits
