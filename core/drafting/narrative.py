"""Facts told in language: what was tried and what happened, the blocker, the hypothesis (with
corrections later in the thread), the customer's posture, problem, background, reproduction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.drafting.doc import Post, Sentence, all_sentences, content_words
from core.timefmt import fmt_hhmm

_LEAD = r"^(?:(?:yes|yep|ok|okay|so|and|also|then|update|fwiw|btw)[,:]?\s+)*"
_SUBJECT = (r"(?:(?:we|i|they|she|he|the customer|customer|the admin|their admin|support|"
            r"the agent)\s+(?:also\s+|then\s+|already\s+|just\s+|first\s+)?)?")
_PAST = (r"tried|retried|re-[a-z]+ed|re-ran|re-did|re-set|had (?:them|her|him|the customer|"
         r"the user|the admin|a member|a user|one \w+|the \w+|a \w+) (?!been\b)\w+|"
         r"re-?(?:uploaded|ran|sent|synced|issued|installed|enabled|imported|"
         r"rotated|created|authenticated|authori[sz]ed|connected|added|invited|indexed|deployed|"
         r"saved|configured|linked|generated|started|booted|built|set|entered|pasted)|rotated|"
         r"cleared|restarted|reinstalled|deleted|switched|toggled|forced|ran|scheduled|tested|"
         r"sent|asked (?:them|her|him|the customer|the user|the admin) to|raised|turned|"
         r"disabled|enabled|changed|updated|upgraded|downgraded|rolled back|reset|regenerated|"
         r"generated|uploaded|voided|issued|refunded|rebuilt|reindexed|rebooted|purged|"
         r"flushed|reconnected|signed out|logged out|applied|bypassed|removed|whitelisted|"
         r"allowlisted|increased|lowered|reduced|extended|migrated|moved|exported|imported|"
         r"replaced|renewed|recreated|resubmitted|resynced|re-ran|reran|escalated to")
_GERUND = (r"trying|retrying|restarting|reinstalling|turning|toggling|switching|splitting|"
           r"clearing|disabling|enabling|raising|rotating|forcing|sending|using|downgrading|"
           r"upgrading|rolling back|re-?running|re-?uploading|deleting|removing|resetting|"
           r"regenerating|rebuilding|reindexing|rebooting|purging|flushing|reconnecting|"
           r"signing out|logging out|applying|bypassing|increasing|lowering|exporting|"
           r"importing|replacing|recreating")
_ATTEMPT = re.compile(rf"{_LEAD}{_SUBJECT}(?:{_PAST})\b|{_LEAD}(?:{_GERUND})\b|"
                      r"\b(?:deleted and|and then|then)\s+(?:" + _PAST + r")\b", re.IGNORECASE)
_OUTCOME = re.compile(
    r"\b(?:still|same|again|didn'?t|did not|doesn'?t|does not|no change|no luck|no difference|"
    r"nothing|worked|works|working|fixed|resolved|solved|failed|fails|failing|fail|errors?|"
    r"blocked|arrived|returns?|returned|worse|better|crash(?:es|ed)?|timed out|succeeded|"
    r"went through|let|gone|refused|rejected|denied|too|also|broke|helped|made it|"
    r"same thing|no effect|ignored|unchanged)\b|\b[1-5]\d\d\b|→|->|:\s+\S|\s[—–]\s",
    re.IGNORECASE)
_THEY = re.compile(rf"{_LEAD}(?:they|the customer|customer|she|he)\b", re.IGNORECASE)
_ANAPHORIC = re.compile(r"^(?:we |i |they )?(?:did that|did so|done that|tried that|tried it|"
                        r"did the same|did this)\b", re.IGNORECASE)
_NOT_DONE = re.compile(r"\?\s*$|^(?:try|maybe|did (?:they|you|we)|have (?:they|you|we)|"
                       r"could|can|should|shall|let's|lets|please)\b|\b(?:will try|going to|"
                       r"i'll|we'll|gonna|plan to|about to|if we)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    text: str
    sources: tuple[str, ...]


def _stamp(s: Sentence) -> str:
    who = s.message.name
    return f"({who}, {fmt_hhmm(s.message.at)})" if who else f"({fmt_hhmm(s.message.at)})"


def _clean(text: str) -> str:
    text = re.sub(r"@(?:here|channel|everyone)\b\s*", "", text)
    text = re.sub(r"^\s*(?:[•·▪◦‣*-]|\d+[.)])\s+", "", text)  # a list item's marker
    return " ".join(text.split()).strip(" ,;")


def _has_outcome(text: str, attempt_end: int) -> bool:
    return bool(_OUTCOME.search(text[attempt_end:]))


def tried(items: list[Post]) -> list[Line]:
    """Every attempt with what happened; an outcome told later is joined to its attempt."""
    lines: list[Line] = []
    pending: list[tuple[Sentence, set[str]]] = []
    sentences = all_sentences(items, humans_only=True)
    for n, s in enumerate(sentences):
        text = _clean(s.text)
        m = _ATTEMPT.search(text)
        if not m and _ANAPHORIC.search(text) and s.index > 0 and _has_outcome(text, 0):
            before = _clean(sentences[n - 1].text)
            lines.append(Line(f"{before} {text} {_stamp(s)}", (s.ts,)))
            continue
        if m and not _NOT_DONE.search(text):
            if _has_outcome(text, m.end()):
                lines.append(Line(f"{text} {_stamp(s)}", (s.ts,)))
            elif not _THEY.match(text):  # an outcome-less customer action is background
                words = {w for w in content_words(text[m.start():]) if len(w) >= 4}
                pending.append((s, words))
            continue
        if pending and _OUTCOME.search(text) and not text.endswith("?"):
            words = content_words(text)
            for i, (attempt, attempt_words) in enumerate(pending):
                if attempt_words & words and attempt.ts != s.ts:
                    lines.append(Line(f"{_clean(attempt.text)} {_stamp(attempt)} → {text} "
                                      f"{_stamp(s)}", (attempt.ts, s.ts)))
                    del pending[i]
                    break
    return lines


_BLOCKER = re.compile(
    r"\b(?:(?:we|i|support|l1|tier 1|tier-1|agents?)\s+(?:can't|cannot|can not|couldn't|"
    r"could not|are not able|aren't able|am not able|have no|has no|don't have|do not have|"
    r"lack)\b|\bno (?:access|way|permission|rights)\b|\bnothing (?:support|we|i) can\b|"
    r"\b(?:only|needs?|need|requires?|required)"
    r"\s+(?:\w+\s+){0,5}?(?:engineering|eng|engineers?|sre|on-call|devops|developers?|"
    r"product|finance|approval|team|access|code change|someone)\b|\blocked for support\b|"
    r"\bout of (?:our|support's) (?:hands|scope)\b|\bnot (?:possible|allowed) (?:for|from) "
    r"support\b)", re.IGNORECASE)


def blocker(items: list[Post], exclude: set[str]) -> Line | None:
    """The latest statements of what support cannot do (not an attempt, when there is one)."""
    hits = [s for s in all_sentences(items, humans_only=True)
            if _BLOCKER.search(s.text) and not s.text.rstrip().endswith("?")]
    hits = [s for s in hits if _clean(s.text) not in exclude] or hits
    if not hits:
        return None
    chosen = hits[-2:]
    return Line(" ".join(_clean(s.text) for s in chosen),
                tuple(dict.fromkeys(s.ts for s in chosen)))


_STRONG = re.compile(
    r"\b(?:i think|we think|i suspect|we suspect|suspect|my guess|our guess|best guess|"
    r"probably|prob|likely|looks like|looks exactly like|sounds like|seems like|seems to|might be|"
    r"may be|could be|maybe|i'd bet|i bet|hypothesis|root cause|caused by|my theory|theory is|"
    r"guessing|i believe|we believe|points to|must be|my read|my take|my bet|my money is on|"
    r"i reckon|feels like|pretty sure|i'd guess|suspicion|known issue|the culprit)\b",
    re.IGNORECASE)
_WEAK = re.compile(r"^(?:ok\s+|okay\s+|right\s+)?so\b|,\s*so\b|\bbecause\b|\bwhich means\b|"
                   r"\bactually\b|\sso\s+(?:our|their|the|we|it|its|this)\b", re.IGNORECASE)
_REFUTE = re.compile(
    r"(?:^|[,;:—–-]\s*|\b(?:so|then|definitely|def|prob|probably|also|clearly)\s+)not\s+"
    r"(?:the\s+|a\s+|an\s+|their\s+|our\s+|that\s+|it\s+|due to\s+)?\w|\bred herring\b|"
    r"\b(?:it'?s|it is|that'?s|that is|it was)\s+not\s+(?:the|a|an|their|our)\b|"
    r"\bscratch (?:my|that)\b|\bforget (?:the|my|that)\b|\bmy bad\b|\bruled? out\b|"
    r"\brules out\b|\bignore what i said\b|\b(?:is|are|was|were) fine\b|"
    r"\bwasn'?t (?:it|that|the)\b|"
    r"\bisn'?t (?:it|that|the)\b|\bnot (?:related|it|that)\b|\bnope\b|\bwrong (?:guess|theory)\b",
    re.IGNORECASE)
_TARGET = re.compile(
    r"\bnot\s+(?:the\s+|a\s+|an\s+|their\s+|our\s+|that\s+|due to\s+)?((?:[\w-]+\s*){1,3})|"
    r"((?:[\w-]+\s+){1,2})(?:is|are|was|were)\s+fine\b|"
    r"\b(?:forget|ruled? out|rules out)\s+(?:the\s+|a\s+|an\s+|my\s+|that\s+)?((?:[\w-]+\s*){1,3})|"
    r"\bignore what i said about\s+(?:the\s+|our\s+)?((?:[\w-]+\s*){1,3})",
    re.IGNORECASE)


def _targets(text: str) -> set[str]:
    """What a correction says is not it: "so not the cert" → {cert}."""
    words: set[str] = set()
    for m in _TARGET.finditer(text):
        words |= content_words(next(g for g in m.groups() if g))
    return words - {"idea", "theory", "guess", "thing", "issue", "problem", "either"}


_SELF_REFUTE = re.compile(r"\b(?:scratch my|forget my|my bad|wrong guess|wrong theory|"
                          r"red herring|ignore (?:me|that|what i said))\b", re.IGNORECASE)
_PRONOUN_START = re.compile(r"^(?:i think|i suspect|my guess is|probably|likely)?\s*"
                            r"\b(?:it|that|this|they)\b|\bit\b", re.IGNORECASE)


@dataclass
class _Guess:
    sentence: Sentence
    text: str
    strong: bool
    refuted_by: Sentence | None = None


def hypothesis(items: list[Post], exclude: set[str]) -> Line | None:
    """The latest guesses nobody refuted; refuted ones are listed as ruled out."""
    guesses: list[_Guess] = []
    for post in items:
        if post.message.bot:
            continue
        for s in post.sentences:
            text = _clean(s.text)
            if text in exclude:
                continue
            hit = False
            if _REFUTE.search(text):
                words = _targets(text)
                for g in guesses:
                    if g.refuted_by is None and words & content_words(g.text):
                        g.refuted_by, hit = s, True
                if not hit and _SELF_REFUTE.search(text):
                    own = [g for g in guesses if g.refuted_by is None
                           and g.sentence.message.user == s.message.user]
                    if own:
                        own[-1].refuted_by, hit = s, True
                if hit and (not _STRONG.search(text) and not text.lower().startswith("actually")
                            and len(text.split()) < 12):
                    continue
            if _REFUTE.search(text):  # a correction: keep what it says beyond "not X"
                rest = ", ".join(part for part in text.split(", ") if not _REFUTE.search(part))
                if len(rest.split()) >= 6:
                    text = rest
                elif hit:
                    continue
            strong = bool(_STRONG.search(text))
            if not strong and not _WEAK.search(text):
                continue
            if s.index > 0 and _PRONOUN_START.search(text) and len(text.split()) < 12:
                text = f"{_clean(post.sentences[s.index - 1].text)} {text}"
            guesses.append(_Guess(s, text, strong))
    alive = [g for g in guesses if g.refuted_by is None]
    confident = [g for g in alive if g.strong]
    chosen = (confident or alive)[-2:]
    if not chosen:
        return None
    lines = [f"{g.text} {_stamp(g.sentence)}" for g in chosen]
    sources = [g.sentence.ts for g in chosen]
    for g in guesses:
        if g.refuted_by is not None:
            lines.append(f"Ruled out: {g.text} — {_clean(g.refuted_by.text)} "
                         f"{_stamp(g.refuted_by)}")
            sources.append(g.refuted_by.ts)
    return Line("\n".join(lines), tuple(dict.fromkeys(sources)))


_POSTURE = re.compile(
    r"\b(?:asked for updates|asks? for updates|updates every|will escalate|escalate to|"
    r"escalating to|renewal|churn|cancel(?:ling|ing)? (?:the|their) (?:contract|subscription)|"
    r"go-live|deadline|losing|revenue|quarter closes|audit|contract|legal|exec sponsor|"
    r"client delivery|blocked on|threaten\w*|called \w+ times|on the bridge|before their|"
    r"due (?:on|by)|is at stake)\b", re.IGNORECASE)


def posture(items: list[Post]) -> Line | None:
    hits = [s for s in all_sentences(items, humans_only=True)
            if _POSTURE.search(s.text) and not s.text.rstrip().endswith("?")]
    if not hits:
        return None
    return Line("\n".join(f"{_clean(s.text)} {_stamp(s)}" for s in hits[:5]),
                tuple(dict.fromkeys(s.ts for s in hits[:5])))


_PROBLEM = re.compile(
    r"\b(?:can't|cannot|can not|unable|fails?|failing|failed|errors?|down|outage|crash\w*|"
    r"shows?|blanked|wiped|overwr\w+|deleted|erased|corrupt\w*|bounced|loop|no longer|"
    r"stopped|disappeared|charged|"
    r"broken|not (?:working|loading|received|arriving|getting)|late|delayed|duplicates?|"
    r"timeouts?|times out|twice|still (?:shows?|see|open)|none of|no one|nobody|wrong|missing|"
    r"lost|stuck|slow|doesn't|isn't|won't|returns?|gets?|404|500)\b|\b[45]\d\d\b",
    re.IGNORECASE)
PROBLEM_MAX = 200
_GREETING = re.compile(
    r"^(?:(?:hey|hi|hiya|hello|yo|morning|good morning|guten morgen|ok|okay|so|urgent|"
    r"heads up|fyi|real question)(?:\s+(?:all|folks|team|everyone|y'all|there))?\W+)+",
    re.IGNORECASE)


def problem(items: list[Post], customer: str | None) -> Line | None:
    for s in all_sentences(items):
        text = _clean(s.text)
        if not _PROBLEM.search(text) or text.endswith("?") or len(text.split()) < 5:
            continue
        text = _GREETING.sub("", text)
        if customer and customer.lower() not in text.lower():
            text = f"{customer}: {text[0].lower()}{text[1:]}"
        text = re.sub(r"\s+", " ", text).rstrip(".")
        text = re.sub(r"(?<=[.!?])\s+(?=\S)", "; ", text)  # one sentence
        if len(text) > PROBLEM_MAX:
            text = text[:PROBLEM_MAX - 1].rsplit(" ", 1)[0] + "…"
        return Line(text, (s.ts,))
    return None


_BACKGROUND = re.compile(
    r"\b(?:since|started|after|before|upgraded|moved|rotated|changed|deployed|release|"
    r"released|rolled out|migrat\w+|correction|actually|yesterday|last week|this morning|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"oct|nov|dec)\w* \d{1,2}|reports?|says|said|opened|forwarded|noticed)\b", re.IGNORECASE)
_CORRECTION = re.compile(r"\bcorrection\b|\bactually\b", re.IGNORECASE)
_NOT_X = re.compile(r"\bnot (\w+)", re.IGNORECASE)
BACKGROUND_MAX = 8


def background(items: list[Post], exclude: set[str]) -> Line | None:
    picked: list[Sentence] = []
    for s in all_sentences(items):
        text = _clean(s.text)
        if text in exclude or text.endswith("?") or len(text.split()) < 4:
            continue
        if _BACKGROUND.search(text) or (not picked and _PROBLEM.search(text)):
            picked.append(s)
    if not picked:
        return None
    picked = picked[:BACKGROUND_MAX]
    lines = [f"{fmt_hhmm(s.message.at)} {s.message.name + ': ' if s.message.name else ''}"
             f"{_clean(s.text)}" for s in picked]
    for i, s in enumerate(picked):  # a later correction marks what it corrects
        if _CORRECTION.search(s.text):
            for m in _NOT_X.finditer(s.text):
                word = m.group(1).lower()
                for j in range(i):
                    if re.search(rf"\b{re.escape(word)}\b", picked[j].text, re.IGNORECASE):
                        lines[j] += " [corrected below]"
    return Line("\n".join(lines), tuple(dict.fromkeys(s.ts for s in picked)))


_STEP = re.compile(r"^\s*\d+[.)]\s+\S")
_REPRO = re.compile(r"\b(?:reproduced|to reproduce|repro(?:duction)? steps|steps)\b[^:]*:\s*(.+)",
                    re.IGNORECASE)


def repro_steps(items: list[Post]) -> Line | None:
    for post in items:
        steps = [line.strip() for line in post.parsed.prose.splitlines() if _STEP.match(line)]
        if len(steps) >= 2:
            return Line("\n".join(steps), (post.message.ts,))
    for s in all_sentences(items, humans_only=True):
        m = _REPRO.search(s.text)
        if m and len(m.group(1).split()) >= 5:
            return Line(_clean(s.text), (s.ts,))
    return None


_EXPECTED = re.compile(r"\bexpected(?: behaviou?r)?\s*[:=-]\s*(.+?)\s*(?:\bactual\b|$)",
                       re.IGNORECASE)
_ACTUAL = re.compile(r"\bactual(?:ly)?(?: behaviou?r)?\s*[:=-]\s*(.+)$", re.IGNORECASE)


def expected_actual(items: list[Post]) -> tuple[Line | None, Line | None]:
    expected: Line | None = None
    actual: Line | None = None
    for s in all_sentences(items, humans_only=True):
        if expected is None and (m := _EXPECTED.search(s.text)):
            expected = Line(m.group(1).strip().rstrip("."), (s.ts,))
        if actual is None and (m := _ACTUAL.search(s.text)):
            actual = Line(m.group(1).strip().rstrip("."), (s.ts,))
    return expected, actual
