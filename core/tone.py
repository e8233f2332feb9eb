"""The tone guardrail: never write about a person's temperament (seed 002).

Handoff notes "should never read like gossip ('customer is difficult')" and the one rule is
"never write about the customer's temperament. Write about their problem and what you tried."
Praise is temperament too ("a pleasure to work with"), and so is sarcasm ("our favourite
customer is back"). Facts about what people did or said, and feelings with their cause, stay:
"said they will escalate to leadership", "asked for updates every 30 min", "angry because the
export lost two days of invoices", "entitled to service credits"; and words that describe a
system, not a person: "difficult to reproduce", "aggressive retry policy".

The component works sentence by sentence with rules over words (no model, no network):

* a person as the subject (customer, user, admin, job titles, pronouns, "who", named people)
  followed by a copula (is, was, keeps being, acts like …), a few intensifiers or articles,
  then a temperament word or insult/praise noun;
* a temperament adjective in front of a person noun ("rude admin", "nightmare client");
* idioms, insults and sarcasm cues that are about a person wherever they stand;
* "<anything> to deal with / to work with / to please".

Measured on the labelled set in ``benchmarks/tone/`` (``python -m benchmarks.tone``); the
numbers are in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEMPERAMENT_HINT = (
    "Describe the problem and what was tried, not the customer's temperament — e.g. "
    "“tried the workaround twice, it failed both times; renewal is on Friday”."
)

# --- vocabulary -----------------------------------------------------------------------------

# People the text may characterise. Job titles count: "their ops manager was …".
_PERSON_NOUNS = (
    r"customers?|clients?|users?|end[- ]users?|admins?|administrators?|sysadmins?|contacts?|"
    r"buyers?|champions?|stakeholders?|people|guys?|folks|persons?|lady|ladies|man|men|woman|"
    r"women|team|teams|cto|ceo|cfo|cio|ciso|coo|vp|vps|managers?|directors?|leads?|officers?|"
    r"developers?|devs?|engineers?|principal|controller|owners?|reps?|representatives?|"
    r"head of [a-z]+|account owner|account admin|tenant admin|champion|requester|caller|"
    r"staff|employees?|executives?|exec|boss|founder|partner|agent|it lead|it guy"
)
_PRONOUNS = r"he|she|they|who|these guys|those guys|this guy|that guy|this person|that person"
_COPULA = (
    r"(?:is|are|was|were|am|be|been|being|seems?|seemed|appears?|appeared|looks?|looked|"
    r"sounds?|sounded|acts?|acted|acting|behaves?|behaved|behaving|keeps?\s+being|"
    r"kept\s+being|has\s+been|have\s+been|had\s+been|got|gets|getting|became|becomes|"
    r"turned|remains?|:|—|–|['’]s|['’]re|['’]ve\s+been|['’]d\s+been)"
)
# Words that characterise a person. Kept apart: "emotions" are facts when their cause is
# given ("angry because …", "upset that …", "impatient for a fix because payroll runs Friday").
_PERSON_WORDS = (
    r"rude|clueless|incompetent|whiny|whining|whiner|lazy|dumb|stupid|idiotic|moronic|"
    r"hysterical|arrogant|condescending|patronizing|patronising|needy|pushy|obnoxious|bossy|"
    r"grumpy|cranky|snippy|snappy|snarky|petty|childish|immature|entitled|insufferable|"
    r"unbearable|unreasonable|irrational|belligerent|vindictive|dismissive|passive[- ]aggressive|"
    r"short[- ]tempered|hot[- ]headed|hotheaded|unhinged|deranged|crazy|insane|nuts|mad|"
    r"bonkers|psycho|psychotic|unstable|emotionally unstable|paranoid|demanding|difficult|"
    r"impossible|hopeless|toxic|hostile|aggressive|abusive|nasty|mean|horrible|awful|"
    r"terrible|annoying|irritating|exhausting|draining|tiresome|tedious|stubborn|pigheaded|"
    r"difficult|a handful|problematic|sloppy|careless|disorganized|disorganised|flaky|"
    r"unreliable|weird|creepy|shady|dishonest|sneaky|manipulative|argumentative|combative|"
    r"confrontational|rude|snobby|smug|pompous|clingy|high[- ]maintenance|low[- ]maintenance|"
    r"power[- ]tripping|panicky|panicking|dramatic|melodramatic|overdramatic|touchy|"
    r"thin[- ]skinned|volatile|erratic|explosive|irate|furious|livid|angry|"
    r"impatient|nice|lovely|sweet|kind|friendly|polite|charming|delightful|pleasant|"
    r"wonderful|awesome|amazing|great|fantastic|brilliant|helpful|patient|understanding|"
    r"easy[- ]going|easygoing|chill|laid[- ]back|cooperative|gracious|courteous|"
    r"adorable|cute|sweetest|nicest|kindest|lovely people|great people|awesome people|"
    r"genuinely nice|super nice|clever|smart|sharp|a delight|a pleasure|a joy|a treat|"
    r"an angel|a gem|a star|an absolute star|a saint|a sweetheart|a darling|a doll|"
    r"a nightmare|a pain|a real pain|a complete pain|a headache|a handful|a liar|a moron|"
    r"morons|idiots?|an idiot|a jerk|jerks|a diva|divas|a bully|bullies|a narcissist|"
    r"a troll|trolls|a karen|a baby|babies|a child|children|a hothead|a micromanager|"
    r"a know[- ]it[- ]all|a control freak|a drama queen|a piece of work|a headcase|"
    r"a head case|a clown|clowns|a nutcase|a nut job|a psycho|a genius|a menace|a pest|"
    r"a snob|a brat|brats|a whiner|a complainer|a crybaby|a loose cannon|a wet blanket|"
    r"a bull in a china shop|a thorn in our side|a nice guy|a lovely lady|a good egg|"
    r"a bad egg|a character|a real character|a tyrant|a dinosaur|a dick|dicks|assholes?|"
    r"an asshole|a bitch|pricks?|a prick|a pushover|a nag|a nuisance|a joke|clueless people|"
    r"a mess|a wreck|a basket case|an emotional wreck|out of (?:his|her|their) mind|"
    r"ridiculous|absurd|silly|ludicrous|impolite|disrespectful|insulting|unprofessional|"
    r"gem|star|angel|saint|sweetheart|darling|doll|nightmare|pain|headache|handful|liar|"
    r"moron|idiot|jerk|diva|bully|narcissist|troll|karen|baby|child|hothead|micromanager|"
    r"know[- ]it[- ]all|control freak|drama queen|piece of work|headcase|clown|nutcase|"
    r"genius|menace|pest|snob|brat|whiner|complainer|crybaby|loose cannon|wet blanket|"
    r"tyrant|pushover|nag|nuisance|pleasure|joy|delight|treat|sweetie|peach|charmer"
)
# Emotions and stances: facts when a cause or a complement follows ("about", "because" …).
_EMOTIONS = frozenset(
    [
        "angry", "furious", "irate", "livid", "upset", "frustrated", "annoyed", "worried",
        "nervous", "concerned", "anxious", "unhappy", "impatient", "patient", "mad",
        "sensitive", "entitled", "demanding", "clear", "keen", "eager", "scared", "afraid",
        "confused", "disappointed", "polite", "firm"
    ])
_CAUSE = re.compile(
    r"^\W*(?:because|since|as|that|about|over|after|with|for|by|at|to|of|given|when|if|"
    r"following|due|until|while|but firm|in that)\b", re.IGNORECASE)
# "difficult to reproduce" is about a task; "difficult to deal with" about a person.
_PERSON_VERBS = (r"deal|work|talk|speak|reason|please|satisfy|handle|manage|support|help|"
                 r"communicate|get along|be around|negotiate|argue|chat|like")
_TO_PERSON_VERB = re.compile(rf"^\s+to\s+(?:{_PERSON_VERBS})\b", re.IGNORECASE)
_TO_VERB = re.compile(
    r"^\s+to\s+(?!(?:the|a|an|our|their|his|her|my|your|its|us|me|him|them|everyone|anyone|"
    r"people|staff|agents?|everybody|tier|l\d|this|that|these|those|whoever)\b)\w",
    re.IGNORECASE)

_INTENSIFIERS = (
    r"so|super|super duper|really|very|extremely|incredibly|totally|absolutely|completely|"
    r"ridiculously|insanely|unbelievably|hopelessly|genuinely|truly|always|just|kind of|"
    r"sort of|kinda|a bit|a little|quite|pretty|rather|such|too|bit of|real|total|complete|"
    r"absolute|utter|utterly|seriously|beyond|clearly|obviously|honestly|frankly|again|"
    r"also|still|being|like|acting like|now|often|constantly|being a|a bit of|"
    r"an?|the|some|such an?|kind of an?|sort of an?|one|reallly|soo+|sooo+|v|mega|ultra|"
    r"crazy|insanely|downright|outright|plain|properly|proper|fairly|somewhat|rly|"
    r"not|never|being super|being really|and|,|just plain|emotionally"
)

_WORD = rf"(?:{_PERSON_WORDS})"
_PERSON_SUBJECT = (
    rf"(?:\b(?:{_PRONOUNS})\b|\b(?:{_PERSON_NOUNS})\b(?!['’]s\s+(?!(?:{_INTENSIFIERS}|"
    rf"{_PERSON_WORDS})\b)\w)|\b(?:mr|mrs|ms|dr|miss)\.?\s+[A-Z][a-z]+)"
)
_GAP = r"(?:\s+(?:at|from|of|in|on|over|with|for)\s+(?:[\w.&-]+\s+){0,2}?[\w.&-]+|\s+there|" \
       r"\s+here|\s+themselves|\s+too|\s+also|\s+all|\s+both|\s+again|\s+honestly|,)?"
_COPULA_REMARK = re.compile(
    rf"(?P<subject>{_PERSON_SUBJECT}){_GAP}\s*,?\s*(?:\w+ly\s+)?{_COPULA}"
    rf"(?P<fill>(?:\s+(?:{_INTENSIFIERS})\b|\s*,)*)\s+(?P<word>{_WORD})\b",
    re.IGNORECASE)
# A named person: a capitalised word that starts the sentence or follows "and"/","/"with".
_THINGS = frozenset([
    "the", "this", "that", "these", "those", "it", "its", "there", "here", "latency", "export",
    "import", "build", "error", "errors", "job", "jobs", "api", "apis", "parser", "logs", "log",
    "sso", "saml", "login", "page", "app", "report", "reports", "queue", "worker", "workers",
    "server", "servers", "database", "db", "cache", "cdn", "cluster", "region", "repro",
    "expected", "actual", "workaround", "fix", "rollback", "migration", "upgrade", "deploy",
    "deployment", "release", "feature", "flag", "the", "renewal", "contract", "sla", "invoice",
    "invoices", "billing", "payment", "webhook", "webhooks", "integration", "connector",
    "endpoint", "network", "performance", "everything", "nothing", "something", "system",
    "platform", "ui", "dashboard", "setup", "config", "configuration", "bug", "issue",
    "problem", "outage", "incident", "ticket", "docs", "documentation", "product", "service",
    "support", "engineering", "escalation", "version", "browser", "mobile", "desktop", "chrome",
    "safari", "firefox", "sandbox", "production", "staging", "data", "file", "files", "csv",
    "pdf", "email", "emails", "message", "messages", "timeline", "response", "behaviour",
    "behavior", "result", "results", "search", "sync", "import", "traffic", "load", "cpu",
    "memory"
])
_NAMED = re.compile(
    rf"(?:^|(?<=[,;:(—-])\s*|\band\s+|\bwith\s+|\bthanks to\s+)"
    rf"(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:\s+from\s+[A-Z][\w&.-]*)?\s+{_COPULA}"
    rf"(?P<fill>(?:\s+(?:{_INTENSIFIERS})\b|\s*,)*)\s+(?P<word>{_WORD})\b")
_ATTRIBUTIVE = re.compile(
    rf"\b(?P<word>rude|clueless|incompetent|whiny|lazy|dumb|stupid|hysterical|arrogant|"
    rf"condescending|needy|pushy|obnoxious|bossy|grumpy|cranky|petty|childish|entitled|"
    rf"insufferable|unreasonable|irrational|belligerent|vindictive|unhinged|crazy|insane|"
    rf"difficult|impossible|hopeless|toxic|hostile|aggressive|abusive|nasty|annoying|"
    rf"demanding|nightmare|impatient|irate|furious|angry|paranoid|problematic|"
    rf"high[- ]maintenance|lovely|sweet|friendly|pleasant|charming|delightful|wonderful|"
    rf"awesome|great|fantastic|nice|genius|sloppy|careless|lazy)"
    rf"\s+(?:(?:and|,)\s*\w+\s+)?(?P<noun>(?:{_PERSON_NOUNS}))\b(?!\s+(?:id|ids|count|"
    rf"base|list|data|records?|accounts?|experience|settings|limit|seats?|licen[cs]es?)\b)",
    re.IGNORECASE)
_ANYWHERE = re.compile(
    r"\b(?:a (?:real |total |complete |right )?piece of work(?!\s+to\s+(?:maintain|build|"
    r"debug|fix|run|operate|test|configure|set|read|write|support)\b)|"
    r"pain in the (?:neck|ass|butt|arse)|"
    r"drama queen|control freak|know[- ]it[- ]all|total karen|chip on (?:their|his|her) "
    r"shoulders?|fl(?:ew|ies|y|ying) off the handle|lost (?:his|her|their|it) (?:mind|marbles|"
    r"temper|cool|shit)|losing (?:his|her|their) (?:mind|marbles|temper)|bit (?:my|our|his|"
    r"her) head off|went (?:ballistic|nuclear|postal|berserk|off on)|go(?:es|ing)? ballistic|"
    r"blew (?:a gasket|up at)|short fuse|thr(?:ew|ows|owing) (?:a )?(?:tantrum|fit|hissy fit)|"
    r"throwing a (?:tantrum|fit)|off (?:their|his|her) (?:rocker|meds|trolley)|off the rails|"
    r"head ?case|(?:sandwiches|fries|bricks|cards|screws) short of|screws? loose|"
    r"bull in a china shop|thorn in (?:our|my|the) side|wet blanket|loose cannon|"
    r"not the sharpest|dumb as (?:a )?(?:rocks?|bricks?|a post)|bless (?:their|his|her) "
    r"(?:heart|soul)|our (?:old |dear |good |beloved )?(?:favou?rite|fave) (?:customer|client|"
    r"admin|user|person|people|account|contact)s?|our (?:old|dear|good) friends?|"
    r"mr\.? sunshine|miss sunshine|ray of sunshine|the genius (?:who|that|admin|user|customer)|"
    r"(?:of course|naturally) the genius|ever so (?:patient|helpful|kind|nice|polite)|"
    r"(?:another|yet another) (?:lovely|delightful|wonderful|fun|great|charming) "
    r"(?:call|email|e-mail|ticket|meeting|message|chat) (?:with|from)|"
    r"oh,? (?:great|joy|wonderful|lovely|goody|boy)|surprise,? surprise|what a (?:joy|treat|"
    r"delight|pleasure|charmer|peach|gem|character)|should be (?:so )?proud|"
    r"(?:is|are) at it again|strikes again|another masterpiece|with (?:zero|no) (?:patience|"
    r"clue)|(?:zero|no) (?:patience|clue) and|melting down|meltdown|"
    r"(?:terrible|bad|awful|horrible|nasty|rotten|poor|shitty|crappy|lousy) attitudes?|"
    r"attitude is (?:the |a )?(?:real |whole |main )?(?:problem|issue)|"
    r"(?:a|such a) (?:nice|lovely|great|wonderful|pleasant|sweet|delightful) "
    r"(?:customer|client|admin|user|person|guy|lady|contact|team|people)|"
    r"(?:bunch|pack|gang) of (?:idiots|morons|clowns|amateurs|children|babies|jerks)|"
    r"(?:lovely|great|a pleasure|a joy|fun|a delight|nice|awesome|easy) to (?:work|deal) with|"
    r"acting like (?:a |an )?(?:child|baby|toddler|brat|diva|jerk|idiot|maniac)|"
    r"(?:impossible|difficult|hard|a nightmare|a pain|painful|exhausting|awful|horrible|"
    r"tough|tricky|annoying|draining) to (?:deal|work|talk|reason|negotiate|communicate) "
    r"with(?!\s+(?:the|this|that|our|their|its|a|an)\s+(?!(?:customer|client|user|admin|"
    r"person|guy|people|team)\b)\w+)|(?:impossible|difficult|hard) to please|"
    r"a (?:total |real |complete )?(?:karen|diva|moron|idiot|jerk)\b|"
    r"(?:impossible|hard|difficult|a nightmare|a pain|a joy|a pleasure) to (?:please|satisfy|"
    r"support|help|handle|manage)(?=\s*(?:[.,;!?]|$|\band\b|\bbecause\b|\bon\b))|"
    r"(?:is|are|was|were|being) (?:so |very |really |super |extremely )?(?:needy|whiny|"
    r"clueless|entitled|hysterical|unhinged|incompetent)\b(?!\s+to\b)|"
    r"^\W*being\s+(?:(?:so|very|really|super|extremely|that|this|a|an)\s+)*(?:rude|hostile|"
    r"difficult|unreasonable|ridiculous|childish|petty|nasty|aggressive|a pain|a jerk|"
    r"obnoxious|condescending|demanding)\b|"
    r"(?:always|constantly|forever|keeps?|kept|never stops?) (?:complaining|whining|moaning|"
    r"nagging|bitching|griping|crying|yelling|screaming|shouting|ranting))",
    re.IGNORECASE)
_ADVERB_SUFFIX = re.compile(r"ly$")

_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9@#*_<])|\n+")
_NO_BREAK_BEFORE = re.compile(
    r"\b(?:mr|mrs|ms|dr|prof|inc|ltd|corp|co|llc|gmbh|e\.g|i\.e|etc|vs|approx|no|st|jr|sr|"
    r"v|ver|fig|cf|dept|est|min|max|avg)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Remark:
    start: int
    end: int
    sentence: str
    cue: str
    reason: str


@dataclass(frozen=True)
class Dropped:
    text: str
    removed: tuple[Remark, ...] = ()


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, whitespace trimmed; abbreviations kept whole."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if m.group().strip("\n ") == "" and "\n" not in m.group() and \
                _NO_BREAK_BEFORE.search(text[max(0, m.start() - 8):m.start()]):
            continue
        if "\n" not in m.group() and _NO_BREAK_BEFORE.search(
                text[max(0, m.start() - 8):m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _emotion_with_cause(sentence: str, word_match: re.Match[str]) -> bool:
    word = word_match.group("word").lower()
    if word not in _EMOTIONS:
        return False
    return bool(_CAUSE.match(sentence[word_match.end("word"):]))


def _task_use(sentence: str, word_match: re.Match[str]) -> bool:
    """"difficult to reproduce": the word is about a task, not the person."""
    rest = sentence[word_match.end("word"):]
    return bool(_TO_VERB.match(rest)) and not _TO_PERSON_VERB.match(rest)


def _verb_use(sentence: str, word_match: re.Match[str]) -> bool:
    """"demanding a hotfix", "entitled to credits": a verb or a complement, not a trait."""
    word = word_match.group("word").lower()
    rest = sentence[word_match.end("word"):]
    if word == "demanding":
        return bool(re.match(
            r"^\s+(?:(?:a|an|the|that|to|their|our|his|her|its|[a-z]+s)\b|\d)", rest,
            re.IGNORECASE))
    return word in ("clear", "firm")


def _copula_cue(sentence: str) -> tuple[str, str] | None:
    for pattern, reason in ((_COPULA_REMARK, "characterises a person"),
                            (_NAMED, "characterises a named person")):
        for m in pattern.finditer(sentence):
            if pattern is _NAMED and m.group("name").split()[0].lower() in _THINGS:
                continue
            if re.search(r"\bnot\b|\bnever\b", m.group("fill") or "", re.IGNORECASE) and \
                    m.group("word").lower() in _EMOTIONS:
                continue
            if _emotion_with_cause(sentence, m) or _task_use(sentence, m) or \
                    _verb_use(sentence, m):
                continue
            return m.group(0).strip(" ,"), reason
    return None


def classify(sentence: str) -> tuple[str, str] | None:
    """``(cue, reason)`` when the sentence characterises a person's temperament, else None."""
    m = _ANYWHERE.search(sentence)
    if m:
        return m.group(0), "temperament, praise or sarcasm about a person"
    cue = _copula_cue(sentence)
    if cue:
        return cue
    for a in _ATTRIBUTIVE.finditer(sentence):
        if _task_use(sentence, a):
            continue
        return a.group(0), "characterises a person"
    return None


def is_remark(sentence: str) -> bool:
    return classify(sentence) is not None


def find_remarks(text: str) -> list[Remark]:
    found: list[Remark] = []
    for start, end in sentences(text):
        sentence = text[start:end]
        hit = classify(sentence)
        if hit:
            found.append(Remark(start, end, sentence, hit[0], hit[1]))
    return found


def temperament_problem(text: str) -> str | None:
    """The form's field error when ``text`` characterises someone's temperament."""
    return TEMPERAMENT_HINT if find_remarks(text) else None


_CLAUSE = re.compile(
    r"\s*\([^()]*\)|\s*[,—–]\s*(?:who|which|that)\b[^,—–;]*[,—–]|"
    r"\s*[—–-]{1,2}\s[^—–]*?\s[—–-]{1,2}(?=\s)|[;:]\s*[^;:]*$|,[^,]*$|\s+(?:and|but)\s+[^,]*$")
_FACTUAL = re.compile(r"\d|[A-Z]{2,}|_|\b(?:error|fail\w*|crash\w*|build|export|import|log\w*|"
                      r"http|api|sso|saml|timeout|times? out|returns?)\b", re.IGNORECASE)


def _strip_clause(sentence: str) -> str | None:
    """The sentence without the clause that carries the remark, if the rest is a clean fact."""
    for m in _CLAUSE.finditer(sentence):
        if not is_remark(m.group()):
            continue
        rest = (sentence[:m.start()] + sentence[m.end():]).strip()
        rest = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"\s{2,}", " ", rest)).rstrip(",;: ")
        if rest and not is_remark(rest) and _FACTUAL.search(rest) and len(rest.split()) >= 4:
            return rest if rest.endswith((".", "!", "?")) else rest + "."
    a = _ATTRIBUTIVE.search(sentence)
    if a and not _ANYWHERE.search(sentence) and not _copula_cue(sentence):
        rest = sentence
        for a in list(_ATTRIBUTIVE.finditer(sentence))[::-1]:
            rest = rest[:a.start("word")] + rest[a.end("word"):].lstrip()
        rest = re.sub(r"\s{2,}", " ", rest)
        if not is_remark(rest):
            return rest
    return None


def drop_remarks(text: str) -> Dropped:
    """``text`` without its remark sentences; a remark clause inside a fact is cut out alone."""
    remarks = find_remarks(text)
    if not remarks:
        return Dropped(text)
    out: list[str] = []
    at = 0
    for r in remarks:
        out.append(text[at:r.start])
        kept = _strip_clause(r.sentence)
        if kept:
            out.append(kept)
        at = r.end
    out.append(text[at:])
    joined = "".join(out)
    cleaned = re.sub(r"[ \t]{2,}", " ", joined)
    cleaned = re.sub(r"[ \t]+\n", "\n", cleaned).strip()
    return Dropped(cleaned, tuple(remarks))
