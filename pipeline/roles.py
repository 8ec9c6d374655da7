"""The transparent baseline for argument roles and relations.

Every decision comes from a rule a reader can check: discourse markers, stance phrases, the
unit's place in its paragraph and in the essay. It names itself ``baseline`` in ``meta.models``;
a fine-tuned component model replaces it when one is shipped.
"""

from __future__ import annotations

import re

from bisect import bisect_left

from dataclasses import replace

from .document import Document, Relation, Span, SpanIndex

NAME = "argmine-roles-baseline"

STANCE = re.compile(
    r"\b(?:I (?:strongly |firmly |do )?(?:believe|argue|think|contend|maintain|hold|agree|disagree)|in my (?:view|opinion)|"
    r"I am convinced|we must|must be|is (?:absolutely |clearly )?(?:a )?necess|should|ought to|in conclusion|"
    r"to conclude|the best (?:outcome|option|course)|it is (?:clear|essential|vital) that)\b",
    re.IGNORECASE,
)
CONCLUSION = re.compile(r"^(?:therefore|thus|hence|consequently|so|this means|in conclusion|overall|clearly|ultimately)\b", re.IGNORECASE)
EVIDENCE = re.compile(
    r"^(?:because|since|as|for example|for instance|due to|given that|after all|this is (?:largely )?(?:because|due)|"
    r"especially|in fact|indeed|moreover|furthermore|additionally|also|we have seen|history shows|which means|"
    r"as a result|this would|otherwise)\b",
    re.IGNORECASE,
)
CONTRAST = re.compile(r"^(?:however|but|although|yet|whereas|while|even so|still)\b", re.IGNORECASE)
FRAME = re.compile(
    r"^(?:[A-Z]?[\w’'\s]{0,40}?\b(?:states?|says?|said|stating|writes|argues|notes|puts it|according to [\w\s]+))\s*(?:that)?\s*[:,]?$"
    r"|^in conclusion[.,:]?$",
    re.IGNORECASE,
)


def _paragraphs_of(doc: Document, spans: list[Span]) -> list[int]:
    index = SpanIndex(doc.paragraphs)
    return [index.index(s.start) for s in spans]


def _with_markers(doc: Document, spans: list[Span]) -> list[str]:
    """Each unit's text with the markers before it in its sentence ("Therefore, I believe that"),
    which stand outside the unit but are what the rules read."""
    sentences = SpanIndex(doc.sentences)
    out = []
    for k, s in enumerate(spans):
        i = sentences.index(s.start)
        start = doc.sentences[i].start if i >= 0 else s.start
        if k and spans[k - 1].end > start and spans[k - 1].end <= s.start:
            start = spans[k - 1].end
        out.append(doc.text[start : s.end].lstrip(" ,;:—–-"))
    return out


def baseline_roles(doc: Document, spans: list[Span]) -> list[tuple[str, float]]:
    """A role and a confidence for each unit span, in order."""
    if not spans:
        return []
    texts = _with_markers(doc, spans)
    pars = _paragraphs_of(doc, spans)
    n_par = max(1, len(doc.paragraphs))
    roles: list[tuple[str, float]] = []
    for i, (text, par) in enumerate(zip(texts, pars)):
        first_in_par = i == 0 or pars[i - 1] != par
        if FRAME.match(text.strip()) or len(text.split()) < 3:
            roles.append(("none", 0.8))
        elif CONCLUSION.match(text) or (STANCE.search(text) and not EVIDENCE.match(text)):
            roles.append(("claim", 0.7))
        elif EVIDENCE.match(text) or CONTRAST.match(text):
            roles.append(("premise", 0.7))
        elif first_in_par:
            roles.append(("claim", 0.55))
        else:
            roles.append(("premise", 0.55))

    # the major claim: the strongest stance statement, preferring the essay's last and first
    # paragraphs (conclusion and introduction)
    def thesis_score(i: int) -> float:
        if roles[i][0] == "none":
            return 0.0
        text, par = texts[i], pars[i]
        stance = len(STANCE.findall(text))
        place = 1.0 if par >= n_par - 3 else 0.6 if par <= 1 else 0.2
        first_person = 0.5 if re.search(r"\bI (?:believe|argue|think|contend)\b", text) else 0.0
        return stance * place + first_person * place

    best = max(range(len(spans)), key=thesis_score)
    if thesis_score(best) > 0:
        roles[best] = ("major_claim", min(0.9, 0.5 + 0.1 * thesis_score(best)))
    return roles


def baseline_relations(doc: Document) -> list[Relation]:
    """Premise -> the nearest claim in its paragraph (before it, else after it; the major claim if
    the paragraph has none); claim -> major claim. Premises opening with a contrast attack."""
    units = doc.units
    marked = _with_markers(doc, units)
    major = next((u for u in units if u.role == "major_claim"), None)
    pars = _paragraphs_of(doc, units)
    claims_in: dict[int, list[int]] = {}
    for j, u in enumerate(units):
        if u.role in ("claim", "major_claim"):
            claims_in.setdefault(pars[j], []).append(j)
    relations = []
    for i, u in enumerate(units):
        if u.role == "claim" and major is not None:
            relations.append(Relation(u.id, major.id, "support"))
        elif u.role == "premise":
            same = claims_in.get(pars[i], [])
            before = same[: bisect_left(same, i)]
            target = units[before[-1]] if before else units[same[0]] if same else major
            if target is not None:
                kind = "attack" if CONTRAST.match(marked[i]) else "support"
                relations.append(Relation(u.id, target.id, kind))
    return relations


class BaselineRoles:
    """The baseline behind the same interface as the component model (``--roles baseline``)."""

    info = {"name": NAME, "kind": "baseline", "digest": None, "links": "nearest claim in the paragraph"}

    def label(self, docs: list[Document], single_major: bool = False, links: bool = True) -> None:
        for doc in docs:
            roles = baseline_roles(doc, doc.units)
            if single_major and roles and not any(r == "major_claim" for r, _ in roles):
                best = next((i for i, (r, _) in enumerate(roles) if r == "claim"), 0)
                roles[best] = ("major_claim", 0.5)
            if single_major:
                first = next(i for i, (r, _) in enumerate(roles) if r == "major_claim")
                roles = [(("claim", c) if r == "major_claim" and i != first else (r, c)) for i, (r, c) in enumerate(roles)]
            doc.units = [replace(u, role=r, confidence=round(c, 3)) for u, (r, c) in zip(doc.units, roles)]
            if links:
                quotes = {q.id for q in doc.quotes}
                doc.relations = [r for r in doc.relations if r.source in quotes] + baseline_relations(doc)
