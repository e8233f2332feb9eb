"""Facts with a fixed shape: tickets, versions, flags, region, environment, error lines, links,
customer, tier and affected users. Each returns the value and the messages it came from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.drafting.doc import Post, Sentence, all_sentences


@dataclass(frozen=True)
class Found:
    value: str
    ts: str


def _join(found: Iterable[Found], sep: str = "\n") -> tuple[str, tuple[str, ...]] | None:
    values: list[str] = []
    sources: list[str] = []
    for f in found:
        if f.value not in values:
            values.append(f.value)
        if f.ts not in sources:
            sources.append(f.ts)
    return (sep.join(values), tuple(sources)) if values else None


# --- tickets -------------------------------------------------------------------------------

_ZD_URL = re.compile(r"https?://[\w.-]+\.zendesk\.com/(?:agent/)?(?:tickets|requests)/(\d+)",
                     re.IGNORECASE)
_JIRA_URL = re.compile(
    r"https?://[\w.-]+(?:\.atlassian\.net|/jira)[^\s<>|()]*?/browse/([A-Z][A-Z0-9_]+-\d+)")
_ZD_ID = re.compile(r"\bZD[-# ]?(\d{3,})\b", re.IGNORECASE)
_HASH_ID = re.compile(r"\b(?:ticket|zendesk|case|zd)\s*(?:#\s*|no\.\s*|number\s*)(\d{3,})\b|"
                      r"\b(?:ticket|zendesk|case)\s+(\d{4,})\b", re.IGNORECASE)
_KEY = re.compile(r"(?<![\w/-])([A-Z][A-Z0-9]{1,9})-(\d+)(?![\w-])")
# Ids that look like tracker keys but name standards, records or money.
_NOT_PROJECTS = frozenset({
    "ZD", "INV", "ORD", "PO", "REC", "SKU", "UTF", "ISO", "SHA", "GPT", "CVE", "RFC", "TLS",
    "SSL", "AES", "RSA", "MD", "HTTP", "IPV", "SEV", "P", "ES", "PR", "CR", "SO", "CN", "EXP",
    "PI", "CH", "CUS", "SUB", "ACCT", "CS", "WCAG", "EN", "AWS", "GCP", "USD", "EUR", "GBP",
})
_TICKET_CONTEXT = re.compile(
    r"\b(?:jira|bug|issue|ticket|tickets|tracked|tracking|known|linked|link|see|dup|duplicate|"
    r"regression|epic|story|incident|internal|escalation|mentioned|ki|related|under)\b",
    re.IGNORECASE)
_RECORD_CONTEXT = re.compile(
    r"\b(?:invoices?|orders?|purchase|po|records?|receipts?|sku|accounts?|payments?|"
    r"subscriptions?|contracts?|quotes?|credit|refunds?|customer id|charge|sub)\b",
    re.IGNORECASE)


def tickets(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[Found] = []
    seen: set[str] = set()
    projects: set[str] = set()

    def add(norm: str, shown: str, ts: str) -> None:
        if norm not in seen:
            seen.add(norm)
            found.append(Found(shown, ts))

    for post in items:  # URLs first: they name the tracker, so their keys are surely tickets
        for link in post.parsed.links:
            if m := _ZD_URL.match(link.url):
                add(f"ZD-{m.group(1)}", link.url, post.message.ts)
            elif m := _JIRA_URL.match(link.url):
                add(m.group(1), link.url, post.message.ts)
                projects.add(m.group(1).split("-")[0])
    for post in items:
        prose = post.parsed.prose
        for m in _ZD_ID.finditer(prose):
            add(f"ZD-{m.group(1)}", f"ZD-{m.group(1)}", post.message.ts)
        for m in _HASH_ID.finditer(prose):
            number = m.group(1) or m.group(2)
            add(f"ZD-{number}", f"#{number}", post.message.ts)
        for m in _KEY.finditer(prose):
            key, project = m.group(0), m.group(1)
            if project in _NOT_PROJECTS or key in seen:
                continue
            before = " ".join(prose[:m.start()].split()[-4:])
            after = " ".join(prose[m.end():].split()[:4])
            if _RECORD_CONTEXT.search(before) or _RECORD_CONTEXT.search(after):
                continue
            if project in projects or _TICKET_CONTEXT.search(before):
                add(key, key, post.message.ts)
    return _join(found)


# --- versions --------------------------------------------------------------------------------

_PRODUCT_SLASH = re.compile(r"\b([A-Za-z][\w.-]*)/(v?\d+(?:\.\d+){1,3})\b")
_KEYWORD_VERSION = re.compile(
    r"\b(api version|version|build|release|android|ios|ipados|macos|windows|chrome|firefox|"
    r"safari|edge|python|node|java)\s+(v?\d[\w.+-]*\w|\d)", re.IGNORECASE)
_DOTTED = re.compile(
    r"(?<![\w.$€£/:#-])v?(\d+\.\d+(?:\.\d+){0,2}(?:\+[0-9A-Za-z.]+)?)(?![\w%]|\.\d)")
_UNIT_AFTER = re.compile(
    r"^\s*(?:s|sec|secs|seconds?|ms|min|mins|minutes?|h|hrs?|hours?|days?|x|gb|mb|kb|tb|k|m|"
    r"%|percent|times|req|requests|users?|€|\$)\b", re.IGNORECASE)
_LABEL_STOP = frozenset([
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "with", "from",
    "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "than",
    "since", "until", "after", "before", "into", "via", "also", "release", "notes", "shipped",
    "running", "runs", "mention", "mentions", "went", "out", "fixed", "upgraded", "updated",
    "moved",
])


def _label(text: str, start: int) -> str:
    tokens = text[:start].split()[-3:]
    for token in reversed(tokens):
        token = token.strip("(),;:\"'")
        if token.lower() in _LABEL_STOP:
            continue
        if re.fullmatch(r"[A-Za-z][\w-]*", token):
            return token
        break
    return ""


def _is_ip(version: str) -> bool:
    parts = version.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def versions(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[Found] = []
    seen: set[str] = set()

    def add(label: str, version: str, ts: str) -> None:
        core_version = version.lstrip("v")
        if any(core_version == s or core_version.startswith(s + "+") for s in seen):
            return
        seen.add(core_version)
        found.append(Found(f"{label} {version}".strip(), ts))

    for post in items:
        ts = post.message.ts
        for block in (post.parsed.prose, *post.parsed.code):
            for m in _PRODUCT_SLASH.finditer(block):
                if not m.group(1).lower().startswith(("http", "www")) and "." not in m.group(1):
                    add(m.group(1), m.group(2), ts)
        prose = post.parsed.prose
        for m in _KEYWORD_VERSION.finditer(prose):
            value = m.group(2)
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and "version" not in m.group(1).lower():
                continue
            add(m.group(1), value, ts)
        for m in _DOTTED.finditer(prose):
            version = m.group(1)
            if _is_ip(version) or _UNIT_AFTER.match(prose[m.end():]):
                continue
            label = _label(prose, m.start())
            if version.count(".") < 2 and not label:
                continue  # "2.5" alone is a number, "web 4.2" is a version
            add(label, version, ts)
    return _join(found, ", ")


# --- flags, region, environment ------------------------------------------------------------------

_FLAG_STATE = re.compile(
    r"\b([a-z][a-z0-9]*(?:[_.][a-z0-9]+)+)\s*[=:]\s*(on|off|true|false|enabled|disabled)\b")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_FLAG_SENTENCE = re.compile(r"\b(?:is|are|was|were|set|turned)\s+(on|off|enabled|disabled)\b",
                            re.IGNORECASE)
_REGION = re.compile(
    r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:east|west|north|south|central|southeast|northeast|"
    r"southwest|northwest)-\d\b|\bcluster-\w+\b", re.IGNORECASE)
_ENVIRONMENT = [
    ("production", re.compile(r"\b(?:production|prod)\b", re.IGNORECASE)),
    ("staging", re.compile(r"\bstaging\b", re.IGNORECASE)),
    ("sandbox", re.compile(r"\bsandbox\b", re.IGNORECASE)),
]


def flags(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[Found] = []
    for post in items:
        if post.message.bot:
            continue
        for s in post.sentences:
            for m in _FLAG_STATE.finditer(s.text):
                found.append(Found(f"{m.group(1)}={m.group(2).lower()}", s.ts))
            state = _FLAG_SENTENCE.search(s.text)
            if state and re.search(r"\bflags?\b", s.text, re.IGNORECASE):
                for span in post.parsed.inline:
                    if _SNAKE.match(span) and span in s.text:
                        found.append(Found(f"{span}={state.group(1).lower()}", s.ts))
    return _join(found, ", ")


def region(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found = [Found(m.group(0).lower(), s.ts) for s in all_sentences(items, humans_only=True)
             for m in _REGION.finditer(s.text)]
    return _join(found, ", ")


def environment(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    sents = all_sentences(items, humans_only=True)
    for value, pattern in _ENVIRONMENT:
        hits = [s.ts for s in sents if pattern.search(s.text)]
        if hits:
            return value, tuple(dict.fromkeys(hits))
    return None


# --- error lines and stack-trace heads -------------------------------------------------------

_ERROR_LINE = re.compile(
    r"\b(?:ERROR|FATAL|CRITICAL|WARN(?:ING)?|SEVERE|PANIC|E/\w+)\b|\w*(?:Exception|Error)\b|"
    r"\berror\b|Traceback|\bfatal\b|\bfail(?:ed|ure|s)?\b|\brefused\b|\bdenied\b|"
    r"\bunable to\b|\bcannot\b|\bcould not\b|\bnot found\b|[A-Z]+_(?:INVALID|ERROR|FAILED)\b|"
    r"\btimed? ?out\b|Termination Reason|Crashed|\bpanic:|HTTP/[\d.]+\s+[45]\d\d|"
    r"(?<![\d.:])[45]\d\d\s+[A-Z][a-z]+", re.IGNORECASE)
_FRAME = re.compile(r"^\s*(?:at\s|File\s\"|\d+\s+\S+\s+0x[0-9a-f]+|#\d+\s|\.\.\.\s*\d+\smore)")
_QUOTED = re.compile(r"[\"“]([^\"”]{3,200})[\"”]")
_QUOTE_CUE = re.compile(
    r"(?:\b(?:errors?|shows?|showed|shown|gives?|gave|returns?|returned|says|said|message|"
    r"blocked|displays?|displayed|with|then|reads?|fails? with|failed with)\W*(?:\w+\W+){0,1}"
    r"|[:→]\s*|->\s*)$", re.IGNORECASE)
_ERRORISH = re.compile(r"\b[45]\d\d\b|\b(?:error|fail|failed|not|cannot|can't|denied|invalid|"
                       r"timeout|unavailable|forbidden|unauthori[sz]ed|too|requires?|found|only|"
                       r"mismatch|missing|expired|unable|no)\b", re.IGNORECASE)
# Error codes written in prose: NET::ERR_CERT_COMMON_NAME_INVALID, ERR_CONNECTION_RESET, ECONNRESET
_ERROR_CODE = re.compile(r"\b(?:[A-Z]+::)?ERR_[A-Z0-9_]+\b|\bE(?:CONN|TIMEDOUT|NOTFOUND|ADDR)"
                         r"[A-Z]*\b|\b[A-Z][A-Za-z]+(?:Error|Exception)\b(?::[^.;]+)?")
MAX_LOG_LINES = 30


def error_lines(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[Found] = []
    for post in items:
        ts = post.message.ts
        for block in post.parsed.code:
            frames_left = 0
            for line in block.splitlines():
                if not line.strip():
                    continue
                if _FRAME.match(line):
                    if frames_left > 0:
                        found.append(Found(line.rstrip(), ts))
                        frames_left -= 1
                    continue
                if _ERROR_LINE.search(line):
                    found.append(Found(line.rstrip(), ts))
                    frames_left = 2
                elif line.strip().endswith(":"):   # "Thread 0 Crashed:" heads its frames
                    frames_left = max(frames_left, 1)
        for s in post.sentences:
            for m in _ERROR_CODE.finditer(s.text):
                found.append(Found(m.group(0).strip(), ts))
            for m in _QUOTED.finditer(s.text):
                quote = m.group(1).strip()
                if _QUOTE_CUE.search(s.text[:m.start()]) and _ERRORISH.search(quote):
                    found.append(Found(quote, ts))
    return _join(found[:MAX_LOG_LINES * 2][:MAX_LOG_LINES])


# --- links ---------------------------------------------------------------------------------------

_EVIDENCE_HOST = re.compile(
    r"(?:loom\.com|drive\.google\.com|docs\.google\.com|gist\.github\.com|pastebin|sentry\.io|"
    r"grafana|datadoghq|kibana|honeycomb|newrelic|dropbox|box\.com|files\.slack\.com|"
    r"vidyard|cloudapp|imgur|s3[.-][\w.-]*amazonaws\.com|share\.|screenshots?)", re.IGNORECASE)
_EVIDENCE_EXT = re.compile(r"\.(?:har|png|jpe?g|gif|webp|mp4|mov|webm|log|txt|zip|pdf|csv|json)"
                           r"(?:$|\?)", re.IGNORECASE)
KB_LINK = re.compile(r"(?:/hc/|/kb/|knowledge|/articles?/|/docs?/|help\.|support\.|docs\.)",
                     re.IGNORECASE)


def evidence_links(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[Found] = []
    for post in items:
        for url in post.message.files:
            found.append(Found(url, post.message.ts))
        for link in post.parsed.links:
            if _ZD_URL.match(link.url) or _JIRA_URL.match(link.url):
                continue
            path = link.url.split("?", 1)[0]
            if _EVIDENCE_HOST.search(link.url) or _EVIDENCE_EXT.search(path):
                found.append(Found(link.url, post.message.ts))
    return _join(found)


# --- customer, tier, affected users ---------------------------------------------------------

_TIERS = "strategic|enterprise|business|standard|free"
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:&|and|of|[A-Z][\w'’.-]*))*?"
_CUSTOMER_TIER = re.compile(
    rf"(?<![\w@#])({_NAME})\s*\((?:on\s+(?:the\s+)?)?({_TIERS})(?:\s+(?:plan|tier|customer))?"
    rf"\s*[,)]")
_TIER_ALONE = re.compile(rf"\b({_TIERS})\s+(?:plan|tier|customer|account)\b", re.IGNORECASE)
_NOT_NAMES = frozenset({"hey", "hi", "hiya", "hello", "morning", "good", "guten", "morgen",
                        "tag", "bonjour", "hola", "yo", "ticket", "new", "customer", "the",
                        "escalating", "urgent", "taking", "from", "ok", "okay", "update", "fyi",
                        "heads", "up", "so", "also", "and", "at", "for", "question"})
_USERS = re.compile(
    r"(?<![\w.,:$€£/-])(?:~|about |around |roughly |approx\.? |over |some |only |all )?"
    r"(\d{1,3}(?:,\d{3})+|\d+)(\+)?\s+(?:[a-z-]+\s+){0,2}?"
    r"(users|drivers|nurses|merchants|agents|employees|people|members|seats|staff|customers|"
    r"accounts|admins|doctors|students|teachers|managers|engineers|technicians|clinicians|"
    r"reps|operators|cashiers|stores|locations|dispatchers|families|parents|patients|"
    r"learners|residents|tenants|subscribers|workers|guests|nurses|physicians|traders|"
    r"advisors|analysts|partners|drivers|riders|couriers|clients|buyers|sellers|vendors|"
    r"installers|coaches|volunteers|developers|editors|viewers|players|logins)\b",
    re.IGNORECASE)
_NOT_AFFECTED = re.compile(r"\b(?:works?|worked|working|fine|provisioned|created|imported|"
                           r"invited|added|local admins?|unaffected|not affected)\b", re.IGNORECASE)


def customer_and_tier(items: list[Post]) -> tuple[Found | None, Found | None]:
    customer: Found | None = None
    tier: Found | None = None
    for s in all_sentences(items):
        for m in _CUSTOMER_TIER.finditer(s.text):
            name = m.group(1).strip()
            words = name.split()
            while words and words[0].lower().strip(",:!") in _NOT_NAMES:
                words = words[1:]
            if words and customer is None:
                customer = Found(" ".join(words), s.ts)
                tier = tier or Found(m.group(2).lower(), s.ts)
        if tier is None and (t := _TIER_ALONE.search(s.text)):
            tier = Found(t.group(1).lower(), s.ts)
        if customer and tier:
            break
    return customer, tier


_ANY_PEOPLE = re.compile(
    r"(?<![\w.,:$€£/-])(?:~|about |around |roughly |approx\.? |over |some |only |all )?"
    r"(\d{1,3}(?:,\d{3})+|\d+)\s+([a-z]+s)\b(?!\s*(?:ago|later|per|/))")
_IMPACT = re.compile(r"\b(?:can't|cannot|can not|unable|miss(?:es|ed)?|blocked|affected|"
                     r"impacted|no longer|stuck|lost)\b", re.IGNORECASE)
_NOT_PEOPLE = frozenset({"days", "hours", "minutes", "seconds", "weeks", "months", "years",
                         "times", "rows", "records", "files", "requests", "messages", "events",
                         "orders", "invoices", "items", "errors", "calls", "pages", "bytes",
                         "retries", "attempts", "copies", "parts", "steps", "tickets", "ms",
                         "mins", "secs", "hrs", "dollars", "euros", "documents", "docs",
                         "contacts", "plans", "charts", "reports", "exports", "emails",
                         "alerts", "notifications", "jobs", "queries", "users"})


def affected_users(items: list[Post]) -> Found | None:
    sentences = [s for s in all_sentences(items, humans_only=True)
                 if not _NOT_AFFECTED.search(s.text)]
    for s in sentences:
        m = _USERS.search(s.text)
        if m:
            return Found(m.group(1).replace(",", ""), s.ts)
    for s in sentences:  # "~900 brokers miss claim alerts": people named by their role
        if _IMPACT.search(s.text):
            for m in _ANY_PEOPLE.finditer(s.text):
                if m.group(2).lower() not in _NOT_PEOPLE:
                    return Found(m.group(1).replace(",", ""), s.ts)
    return None


def first_sentences(items: list[Post]) -> list[Sentence]:
    return all_sentences(items, humans_only=True)
