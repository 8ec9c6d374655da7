"""Quotations: marked ("inline") and unmarked block quotations, their citations and speakers.

Quote marks are paired by one left-to-right scan with a stack, so nesting (“… “all or nothing.” …”)
and any number of marks cost linear time. Every regular expression here runs on a bounded window
of text beside a quotation and has no nested quantifiers, so none can backtrack catastrophically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Attribution, Citation, Document, Paragraph, Quote, Span, SpanIndex

OPEN = {"“": "”", "„": "”", "«": "»"}
CLOSE = {"”", "»"}
WINDOW = 300  # characters before a quotation searched for its reporting clause
MIN_WORDS = 6  # shorter marked spans need a reporting clause to count as quotations
MIN_WORDS_WITH_CUE = 3

# Inflected reporting verbs count wherever they stand; a base form ("state", "say") only before
# "that" or a colon or comma, so that "a puppet state akin to Belarus" reports nothing.
INFLECTED = (
    r"says|said|saying|states|stated|stating|writes|wrote|writing|argues|argued|arguing|notes|noted|noting|"
    r"claims|claimed|claiming|explains|explained|explaining|adds|added|warns|warned|warning|observes|observed|"
    r"concludes|concluded|contends|contended|insists|insisted|declares|declared|remarks|remarked|puts it|"
    r"tells|told|asserts|asserted|maintains|maintained|points out|pointed out|suggests|suggested"
)
BASE = r"say|state|write|argue|note|claim|explain|add|warn|observe|conclude|contend|insist|declare|remark|put it|assert|point out|suggest"
VERBS = rf"(?:{INFLECTED})\b|(?:{BASE})\b(?=[ \t]+that\b|[ \t]*[:,])"
_VERB = re.compile(rf"\b(?:{VERBS})", re.IGNORECASE)
_FRAME = re.compile(rf"(?:{VERBS})(?:[ \t]+that\b)?[ \t]*[:,]?", re.IGNORECASE)
_FRAME_END = re.compile(rf"\b(?:{VERBS})(?:\s+that)?\s*[:,]?\s*$", re.IGNORECASE)
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){0,3}|[a-z]+)\s*[:,]?\s*$")
_AFTER = re.compile(
    rf"^[,.]?\s*((?:[Tt]he|[Aa]n?)(?:\s+[\w-]+){{1,3}}?|[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*){{0,3}}|he|she|they)\s+(?:{VERBS})"
)
_CITATION = re.compile(r"\s*(\[\d{1,3}(?:\s*[,–-]\s*\d{1,3}){0,5}\])$")
_CITATION_AFTER = re.compile(r"^\s?(\[\d{1,3}(?:\s*[,–-]\s*\d{1,3}){0,5}\])")
PRONOUNS = {"he", "she", "they", "him", "her", "them", "it"}
BOUNDARY_WORDS = {
    "with", "as", "and", "that", "when", "which", "while", "but", "so", "because", "then", "also", "who",
    "if", "where", "i", "we", "do", "fully", "agree", "on", "to", "goes", "go", "went", "even", "quick",
    "is", "was", "once", "further", "later", "again", "rightly", "correctly", "famously", "simply",
    "by", "in", "of", "for", "at", "from", "into", "about", "after", "before", "over", "under", "between",
    "through", "during", "without", "within", "against", "among", "than", "should", "would", "could", "have", "has",
}
# inflected verbs that are also plural nouns ("the Arab states:", "his notes"): a plain reporting
# verb in the same sentence wins over them
AMBIGUOUS = {"states", "claims", "notes", "remarks", "maintains", "warns", "adds", "suggests", "insists", "points out"}
NOT_NAMES = {
    "The", "This", "That", "These", "Those", "It", "A", "An", "In", "As", "However", "Additionally", "Of",
    "Especially", "Because", "Due", "While", "Hence", "Through", "Putin's", "I", "We", "He", "She", "They",
}


@dataclass
class _Candidate:
    start: int  # first character inside the marks (or of the block paragraph)
    end: int
    kind: str
    outer_end: int  # just past the closing mark
    outer_start: int  # the opening mark


def pair_marks(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Positions (open, close) of top-level quotation-mark pairs in ``text``; nested pairs and
    unclosed marks are dropped. Straight quotes open after a space or opening bracket and close
    otherwise."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if ch in OPEN:
            stack.append((OPEN[ch], i))
        elif ch in CLOSE:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == ch:
                    pairs.append((stack[depth][1], i))
                    del stack[depth:]
                    break
        elif ch == '"':
            if stack and stack[-1][0] == '"':
                pairs.append((stack.pop()[1], i))
            elif i == 0 or text[i - 1] in " \n([{—–-/“":
                stack.append(('"', i))
    pairs.sort()
    top: list[tuple[int, int]] = []
    reach = -1
    for a, b in pairs:
        if a > reach:
            top.append((a + offset, b + offset))
            reach = b
    return top


def _marked(text: str, par: Paragraph) -> list[_Candidate]:
    out = []
    for a, b in pair_marks(text[par.start : par.end], par.start):
        start, end = a + 1, b
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
            end -= 1
        if end > start:
            out.append(_Candidate(start, end, "inline", b + 1, a))
    return out


def _fills(text: str, par: Paragraph, cand: _Candidate) -> bool:
    """The quotation is its paragraph: it opens the paragraph and only a citation may follow."""
    if cand.outer_start != par.start or par.end - cand.outer_end > 24:
        return False
    rest = text[cand.outer_end : par.end].strip()
    return rest == "" or _CITATION_AFTER.fullmatch(rest) is not None


def _reporting_clause(window: str, base: int) -> tuple[str, int, int] | None:
    """The last reporting clause in ``window``: (speaker as written, clause start, clause end)."""
    m = _ACCORDING.search(window)
    if m:
        return m.group(1), base + m.start(), base + m.end()
    def ambiguous(v: re.Match[str]) -> bool:
        return v.group(0).lower() in AMBIGUOUS

    def followed_by_that(v: re.Match[str]) -> bool:
        return re.match(r"\s+that\b", window[v.end() : v.end() + 8]) is not None

    # "the Arab states must…" reports nothing; "the Arab states:" after "he said to" is the noun
    verbs = [v for v in _VERB.finditer(window) if not ambiguous(v) or followed_by_that(v) or re.match(r"\s*[:,]", window[v.end() : v.end() + 3])]
    if not verbs:
        return None
    verb = verbs[-1]
    if ambiguous(verb) and not followed_by_that(verb):
        sentence_start = max(window.rfind(". ", 0, verb.start()), window.rfind("\n", 0, verb.start()))
        plain = [v for v in verbs if v.start() > sentence_start and not ambiguous(v)]
        verb = plain[-1] if plain else verb
    picked: list[re.Match[str]] = []
    for w in reversed(list(re.finditer(r"[\w’'-]+", window[: verb.start()]))[-6:]):
        between = window[w.end() : picked[0].start() if picked else verb.start()]
        if between.strip() or w.group(0).lower() in BOUNDARY_WORDS or w.group(0).endswith("ing"):
            break
        picked.insert(0, w)
        if len(picked) == 4:
            break
    if not picked:
        return None
    frame = _FRAME.match(window, verb.start())
    return window[picked[0].start() : picked[-1].end()], base + picked[0].start(), base + frame.end()


class SpeakerResolver:
    """Canonical speaker names: pronouns resolve to the last named speaker, a lower-case or
    possessive spelling to the capitalised name the document uses elsewhere."""

    def __init__(self, text: str):
        self.text = text
        self.last: str | None = None
        self.seen: set[str] = set()
        self.spellings: dict[str, str] = {}

    def canonical(self, name: str, before: str) -> tuple[str | None, bool]:
        name = re.sub(r"[’']s$", "", name.strip())
        if name.lower() in PRONOUNS:
            found = self._last_name(before)
            return (found or self.last), found is None
        name = self._spelling(name)
        words = name.split()
        # "… supporting Ukraine Person states": a known speaker at the end wins over the run-on
        name = next((" ".join(words[i:]) for i in range(1, len(words)) if " ".join(words[i:]) in self.seen), name)
        self.seen.add(name)
        return name, False

    def _spelling(self, name: str) -> str:
        """The spelling the document uses most for a name ("person" -> "Person", "Persons" ->
        "Person"); each name is looked up in the text once."""
        if name not in self.spellings:
            self.spellings[name] = self._look_up(name)
        return self.spellings[name]

    def _look_up(self, name: str) -> str:
        if name[:1].islower():
            cap = name[:1].upper() + name[1:]
            return cap if re.search(rf"\b{re.escape(cap)}\b", self.text) else name
        if name.endswith("s") and len(name) > 3:
            stem = name[:-1]
            if len(re.findall(rf"\b{re.escape(stem)}\b", self.text)) > len(re.findall(rf"\b{re.escape(name)}\b", self.text)):
                return stem
        return name

    def _last_name(self, before: str) -> str | None:
        for w in reversed(re.findall(r"\b[A-Z][\w’'-]+", before[-WINDOW:])):
            w = re.sub(r"[’']s$", "", w)
            if w not in NOT_NAMES:
                name, _ = self.canonical(w, "")
                return name
        return None


def _attribute(text: str, cand: _Candidate, lo: int, resolver: SpeakerResolver) -> Attribution:
    """Speaker and cue from the reporting clause before the quotation (or one just after it);
    without either, the last speaker named in the text before, marked as inferred."""
    hit = _reporting_clause(text[lo : cand.start - (1 if cand.kind == "inline" else 0)], lo)
    if hit is None:
        after = _AFTER.match(text[cand.outer_end : cand.outer_end + 80])
        if after:
            hit = (after.group(1), cand.outer_end + after.start(1), cand.outer_end + after.end())
    if hit is None:
        back = _reporting_clause(text[max(0, lo - WINDOW) : lo], max(0, lo - WINDOW))
        if back is not None:
            name, _ = resolver.canonical(back[0], text[max(0, back[1] - WINDOW) : back[1]])
            resolver.last = name or resolver.last
        return Attribution(speaker=resolver.last, cue=None, start=None, end=None, inferred=True)
    speaker, start, end = hit
    name, carried = resolver.canonical(speaker, text[max(0, start - WINDOW) : start])
    resolver.last = name or resolver.last
    if name and name != speaker and speaker.endswith(" " + name):
        start += len(speaker) - len(name)  # the cue starts at the speaker kept
    cue = text[start:end].rstrip(" \n,:")
    return Attribution(speaker=name, cue=cue, start=start, end=start + len(cue), inferred=carried)


def _citation(text: str, cand: _Candidate) -> tuple[int, Citation | None]:
    """Split a trailing citation marker ("… thinking. [1]”") off the quotation's span."""
    inner = text[cand.start : cand.end]
    m = _CITATION.search(inner)
    if m:
        start = cand.start + m.start(1)
        end = cand.start + m.start()
        return end, Citation(m.group(1), start, start + len(m.group(1)))
    m = _CITATION_AFTER.match(text[cand.outer_end : cand.outer_end + 20])
    if m:
        start = cand.outer_end + m.start(1)
        return cand.end, Citation(m.group(1), start, start + len(m.group(1)))
    return cand.end, None


def find_quotes(doc: Document) -> list[Quote]:
    """All quotations of the document, in text order, with attribution and citation (no unit yet)."""
    text = doc.text
    resolver = SpeakerResolver(text)
    quotes: list[Quote] = []
    pars = doc.paragraphs
    for i, par in enumerate(pars):
        prev = pars[i - 1] if i else None
        adjacent = prev is not None and text[prev.end : par.start].strip() == ""
        cands = _marked(text, par)
        if not cands and adjacent and _is_block(text, prev, par):
            cands = [_Candidate(par.start, par.end, "block", par.end, par.start)]
        for cand in cands:
            if cand.kind == "inline" and not _is_quotation(text, par, cand, adjacent and prev is not None):
                continue
            end, citation = _citation(text, cand)
            lo = prev.start if (adjacent and prev is not None and cand.start - 1 <= par.start) else par.start
            attribution = _attribute(text, cand, max(lo, cand.start - WINDOW), resolver)
            quotes.append(Quote(cand.start, end, id=f"q{len(quotes) + 1}", kind=cand.kind, attribution=attribution, citation=citation))
    return quotes


def _is_block(text: str, prev: Paragraph, par: Paragraph) -> bool:
    """A paragraph without marks is a block quotation when the paragraph before it ends in a
    reporting clause ("Person states that", "As Person says,", "… when he says that")."""
    body = text[par.start : par.end]
    if len(body.split()) < MIN_WORDS or body[:1] in "-*•" or body[:1] in OPEN or body[:1] == '"':
        return False
    tail = text[max(prev.start, prev.end - 120) : prev.end]
    return _FRAME_END.search(tail) is not None or _ACCORDING.search(tail) is not None


def _is_quotation(text: str, par: Paragraph, cand: _Candidate, has_prev: bool) -> bool:
    """Marked spans that are the author's own phrases (scare quotes, a coined “all or nothing”
    approach) are not quotations: short spans need a reporting clause or a paragraph of their own."""
    words = len(text[cand.start : cand.end].split())
    if words >= MIN_WORDS or _fills(text, par, cand):
        return True
    if words < MIN_WORDS_WITH_CUE:
        return False
    before = text[max(par.start, cand.start - 80) : cand.start - 1]
    after = text[cand.outer_end : cand.outer_end + 80]
    return bool(_FRAME_END.search(before) or _ACCORDING.search(before) or _AFTER.match(after))


def link_quotes(doc: Document, quotes: list[Quote]) -> list[Quote]:
    """Each quotation backs the unit that contains it, else the nearest argumentative unit before
    it in its section (skipping bare reporting clauses), else the first unit after it."""
    from bisect import bisect_left
    from dataclasses import replace

    units = SpanIndex(doc.units)
    section_of = _section_index(doc)
    out = []
    for q in quotes:
        i = units.index(q.start)
        target = units.spans[i] if i >= 0 else None
        if target is None:
            sec = section_of(q.start)
            j = bisect_left(units.ends, q.start + 1) - 1  # the last unit ending at or before q.start
            fallback = None
            while j >= 0 and units.ends[j] <= q.start and section_of(units.starts[j]) == sec:
                if units.spans[j].role != "none":
                    target = units.spans[j]
                    break
                fallback = fallback or units.spans[j]
                j -= 1
            if target is None:
                k = bisect_left(units.starts, q.end)
                target = fallback or (units.spans[k] if k < len(units.spans) else None)
        out.append(replace(q, unit_id=target.id if target else None))
    return out


def _section_index(doc: Document):
    """A function from an offset to the index of the innermost section holding it (-1: none)."""
    from bisect import bisect_right

    sections = sorted(doc.sections, key=lambda s: (s.start, -s.end))
    starts = [s.start for s in sections]

    def section_of(pos: int) -> int:
        i = bisect_right(starts, pos) - 1
        while i >= 0 and sections[i].end <= pos:
            i -= 1  # an earlier sibling; the enclosing section starts before it
        return i

    return section_of


def quote_contexts(doc: Document) -> list[str | None]:
    """For each quotation, the author's words that introduce it: the unit it backs when the
    quotation stands apart from it, else the words before the quotation in its sentence."""
    units = {u.id: u for u in doc.units}
    sentences = SpanIndex(doc.sentences)
    out: list[str | None] = []
    for q in doc.quotes:
        unit = units.get(q.unit_id) if q.unit_id else None
        if unit is not None and not unit.start <= q.start < unit.end:
            out.append(doc.text[unit.start : unit.end])
            continue
        i = sentences.index(q.start)
        before = doc.text[sentences.spans[i].start : q.start].rstrip(" “\"") if i >= 0 else ""
        out.append(before or None)
    return out


def quote_spans(quotes: list[Quote]) -> list[Span]:
    return [Span(q.start, q.end) for q in quotes]
