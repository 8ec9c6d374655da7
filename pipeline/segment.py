"""Sentences and argument units. spaCy (a blank English pipeline with a rule-based sentencizer)
works inside; character offsets into the document's text come out."""

from __future__ import annotations

import re
from functools import lru_cache

from .document import Document, Paragraph, Sentence, Span, SpanIndex, Unit

# A unit may be split at these markers when both sides keep at least MIN_WORDS words. The first
# group introduces a reason for what precedes it; the second turns against it.
CAUSAL = ("because", "since", "as a result", "which means", "this means", "meaning that", "due to the fact that")
CONTRAST = ("however", "but", "although", "whereas", "yet", "while")
MIN_WORDS = 4
QUOTED_SHARE = 0.6  # a sentence this much inside quotation marks is quoted material, not the author's unit
LONG_TOKEN = 100  # characters; longer runs without a space are cut before tokenizing
# Discourse markers and stance frames that open a clause stay outside its unit, as the gold
# essays are annotated (corpus/essays/GUIDELINES.md §1): "Therefore, I believe that [the talks
# must resume]". Words that also start plain propositions ("as", "since", "so") are left alone;
# adverbs that do both ("still", "indeed") count only before a comma.
_LEAD = re.compile(
    r"(?:(?:and|but|because(?! of)|therefore|thus|hence|however|moreover|furthermore|additionally|consequently|nevertheless|"
    r"nonetheless|admittedly|although|though|even though|even if|whereas|firstly|secondly|thirdly|finally|lastly|"
    r"in addition|in conclusion|in short|in sum|to conclude|to sum up|for example|for instance|as a result|after all|"
    r"that said|even so|on the other hand|in my (?:view|opinion)|"
    r"(?:i|we) (?:strongly |firmly |would )?(?:believe|think|argue|contend|maintain|hold)(?: that)?|"
    r"it is (?:clear|true|obvious|evident) that|this (?:means|shows|suggests) that|"
    r"(?:some|critics|opponents|others) (?:argue|say|claim|believe|will say) that)\b[\s,:]*"
    r"|(?:first|second|third|also|still|indeed|of course|in fact|ultimately|overall|clearly|yes|sure|granted|true)\s*,\s*)+",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"(?:[,;]|\s[-–—])\s+(?:(?:" + "|".join(CAUSAL + CONTRAST) + r")\b)|\s(?:because|which means)\s",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def nlp():
    import spacy

    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.max_length = 50_000_000
    return pipeline


def _starts(doc) -> list[int]:
    """Sentence-start token indices from the sentencizer, corrected: it cuts "thinking. [1]" after
    the bracket and "over . . . [which are] the" before a lower-case word, and neither starts a
    sentence ("failed. [1] Then" does start one, after the marker)."""
    starts = []
    for sent in doc.sents:
        i = sent.start
        token = doc[i]
        prev = doc[i - 1].text if i else ""
        if i and (prev in ("[", "(") or token.text[:1].islower() or token.text in ("]", ")", "”", "’")):
            if token.like_num and i + 2 < len(doc) and doc[i + 1].text == "]" and doc[i + 2].text[:1].isupper():
                starts.append(i + 2)
            continue
        starts.append(i)
    return sorted(set(starts))


_LONG_RUN = re.compile(r"\S{%d,}" % (2 * LONG_TOKEN))


def _defuse(text: str) -> str:
    """Break runs of non-space characters longer than the tokenizer handles in linear time (a
    wall of 100k quote marks) with spaces, keeping every offset where it was."""
    return _LONG_RUN.sub(lambda m: " ".join(m.group(0)[i : i + LONG_TOKEN - 1] for i in range(0, len(m.group(0)), LONG_TOKEN)), text)


def sentence_spans(text: str, paragraphs: list[Paragraph]) -> list[Sentence]:
    """Sentences inside each paragraph; a sentence never crosses a paragraph boundary."""
    out: list[Sentence] = []
    texts = [_defuse(text[p.start : p.end]) for p in paragraphs]
    for par, parsed in zip(paragraphs, nlp().pipe(texts, batch_size=64)):
        starts = _starts(parsed) if len(parsed) else []
        bounds = [parsed[i].idx for i in starts] + [len(parsed.text)]
        for a, b in zip(bounds, bounds[1:]):
            start, end = par.start + a, par.start + b
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if any(ch.isalnum() for ch in text[start:end]):
                out.append(Sentence(start, end))
    return out


def _clauses(text: str, sent: Sentence, quotes: SpanIndex) -> list[Span]:
    """Split a sentence at discourse markers outside quotations, keeping both sides substantial."""
    piece = text[sent.start : sent.end]
    cuts = []
    for m in _SPLIT.finditer(piece):
        cut = sent.start + m.start() + (1 if piece[m.start()] in ",;" else 0)
        if quotes.index(cut) >= 0:
            continue
        cuts.append(cut)
    spans, start = [], sent.start
    for cut in cuts:
        left = text[start:cut].strip(" ,;")
        right = text[cut : sent.end].strip(" ,;")
        if len(left.split()) >= MIN_WORDS and len(right.split()) >= MIN_WORDS:
            spans.append(_trim(text, start, cut))
            start = cut
    spans.append(_trim(text, start, sent.end))
    return spans


def _trim(text: str, start: int, end: int) -> Span:
    """The span without the separators around it, its opening discourse markers and its final
    full stop, as argument units are annotated (markers and the stop belong to the sentence)."""
    while start < end and text[start] in " ,;—–-":
        start += 1
    while end > start and text[end - 1] in " ,;:—–-.":
        end -= 1
    lead = _LEAD.match(text, start, end)
    if lead and lead.end() > start and len(text[lead.end() : end].split()) >= MIN_WORDS:
        start = lead.end()
    return Span(start, end)


def unit_spans(doc: Document, quotes: list[Span]) -> list[Span]:
    """Argument units in the author's voice: each sentence that is not itself quoted material,
    split into clauses where a discourse marker joins two argumentative parts."""
    spans: list[Span] = []
    quoted = SpanIndex(quotes)
    for sent in doc.sentences:
        if quoted.covered(sent.start, sent.end) >= QUOTED_SHARE * max(1, sent.end - sent.start):
            continue
        spans.extend(_clauses(doc.text, sent, quoted))
    return [s for s in spans if s.end > s.start]


def make_units(spans: list[Span], roles: list[tuple[str, float]]) -> list[Unit]:
    return [Unit(s.start, s.end, id=f"u{i + 1}", role=r, confidence=round(c, 3)) for i, (s, (r, c)) in enumerate(zip(spans, roles))]
