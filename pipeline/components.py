"""Argument components: unit roles from a fine-tuned encoder, and links between units.

**Roles.** Each unit is scored as ``major_claim / claim / premise / none`` by the same pinned
MiniLM encoder with its own LoRA adapter (``models/components/``). The model reads the unit and,
as a second segment, where it sits (which paragraph, its place in the paragraph, the section
heading) and the words around it, since the markers that tell a premise from a claim ("because",
"therefore", "admittedly") stand outside the unit. A document then gets at least one major claim:
when no unit wins that label, the unit most likely to be one takes it.

**Links.** A transparent pairwise scorer: a logistic regression over a dozen named features
(distance, same paragraph, the target's role and place, discourse markers, shared words) picks
each premise's target; every claim links to the first major claim. Support or attack follows
concession and contrast markers. The weights live in ``links.json`` beside the adapter, readable
by a person.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .document import ROLES, Document, Relation, SpanIndex, Unit
from .roles import FRAME

DEFAULT_COMPONENT_MODEL = Path(__file__).resolve().parent.parent / "models" / "components"
LINKS_FILE = "links.json"
ARGUMENTATIVE = ("major_claim", "claim", "premise")
CONTEXT_CHARS = 220  # characters of text before and after a unit in its model input

CONCESSION = re.compile(
    r"(?:\b(?:admittedly|granted|of course|to be sure|it is true that|it's true that|true,|yes,|sure,|some (?:argue|say|claim|believe|will say)|"
    r"critics|opponents|sceptics|skeptics|others (?:argue|say|claim)|one might|one could|it may be|it might be|although|though|even if|while it is|"
    r"i (?:get|understand|accept|concede) that|the other side|my opponents?)\b)",
    re.IGNORECASE,
)
CONTRAST = re.compile(r"^(?:but|however|yet|still|nevertheless|nonetheless|even so|on the contrary|in fact|that said|this ignores|this overlooks)\b", re.IGNORECASE)
EVIDENCE = re.compile(r"\b(?:because|since|as|for example|for instance|after all|given that|indeed|in fact|for one|first|second|third|moreover|furthermore|also|and)\W*$", re.IGNORECASE)
CONCLUDE = re.compile(r"\b(?:therefore|thus|hence|so|consequently|this is why|that is why|which is why|in conclusion|in short|overall|clearly)\W*$", re.IGNORECASE)
WORD = re.compile(r"[a-z]{4,}")
STOP = frozenset("that this with have from they their there were would could should which about been because these those will into than then them what when where while also more most such only other over very just some much many make made does".split())


# -- model inputs --------------------------------------------------------------------------------


def _place(i: int, n: int) -> str:
    if n <= 1:
        return "only"
    return "first" if i == 0 else "last" if i == n - 1 else "middle"


def unit_inputs(doc: Document, units: list[Unit] | None = None, chars: int = CONTEXT_CHARS) -> tuple[list[str], list[str]]:
    """The text of each unit and its context: its place in the essay and the paragraph, the
    section heading, and up to ``chars`` characters of the paragraph before and after it."""
    units = doc.units if units is None else units
    pars = SpanIndex(doc.paragraphs)
    sections = sorted(doc.sections, key=lambda s: s.start)
    section_starts = [s.start for s in sections]
    par_of = [pars.index(u.start) for u in units]
    arg_pars = sorted({p for p in par_of if p >= 0})
    rank = {p: k for k, p in enumerate(arg_pars)}
    per_par: dict[int, list[int]] = {}
    for i, p in enumerate(par_of):
        per_par.setdefault(p, []).append(i)
    texts, contexts = [], []
    for i, u in enumerate(units):
        p = par_of[i]
        par = doc.paragraphs[p] if p >= 0 else u
        siblings = per_par[p]
        where = f"{_place(rank.get(p, 0), len(arg_pars))} paragraph, {_place(siblings.index(i), len(siblings))} unit"
        k = bisect_right(section_starts, u.start) - 1
        if k >= 0 and sections[k].title and sections[k].end >= u.end:
            where += f", section {sections[k].title}"
        before = doc.text[max(par.start, u.start - chars) : u.start].strip()
        after = doc.text[u.end : min(par.end, u.end + chars)].strip()
        if u.start - chars > par.start:
            before = "… " + before.split(" ", 1)[-1]
        texts.append(doc.text[u.start : u.end])
        contexts.append(f"{where}. before: {before or '(paragraph start)'} | after: {after or '(paragraph end)'}")
    return texts, contexts


MIN_PARAGRAPHS = 3  # the one-claim-per-paragraph prior applies to essays, not to one-paragraph texts
CLAIM_FLOORS = (0.02, 0.05, 0.1, 0.2, 0.3)  # the values `fit_claim_floor` tries on dev


def decode_roles(probs: np.ndarray, single_major: bool = False, paragraphs: list[int] | None = None,
                 claim_floor: float | None = None) -> list[tuple[str, float]]:
    """Roles for one document's units from their probabilities (columns in ``ROLES`` order):
    the most likely role, and at least one major claim (exactly one with ``single_major``).
    With ``paragraphs`` (each unit's paragraph) and ``claim_floor``, a paragraph of two or more
    argumentative units that got neither a claim nor a major claim gives ``claim`` to its likeliest
    claim, if that probability reaches the floor: a body paragraph usually makes one point."""
    if len(probs) == 0:
        return []
    mc = ROLES.index("major_claim")
    labels = probs.argmax(1)
    if single_major:
        best = int(probs[:, mc].argmax())
        rest = probs.copy()
        rest[:, mc] = -1
        labels = rest.argmax(1)
        labels[best] = mc
    elif not (labels == mc).any():
        labels[int(probs[:, mc].argmax())] = mc
    if paragraphs is not None and claim_floor is not None and len(set(paragraphs)) >= MIN_PARAGRAPHS:
        cl, none = ROLES.index("claim"), ROLES.index("none")
        members: dict[int, list[int]] = {}
        for i, p in enumerate(paragraphs):
            members.setdefault(p, []).append(i)
        for idx in members.values():
            arg = [i for i in idx if labels[i] != none]
            if len(arg) >= 2 and not any(labels[i] in (cl, mc) for i in idx):
                best = max(arg, key=lambda i: probs[i, cl])
                if probs[best, cl] >= claim_floor:
                    labels[best] = cl
    return [(ROLES[j], float(probs[i, j])) for i, j in enumerate(labels)]


def paragraph_of_units(doc: Document) -> list[int]:
    index = SpanIndex(doc.paragraphs)
    return [index.index(u.start) for u in doc.units]


def fit_claim_floor(docs: list[Document], probs: list[np.ndarray]) -> tuple[float | None, list[dict]]:
    """The claim floor (or None, the prior off) with the best macro-F1 over ``docs``' gold roles,
    and the whole sweep."""
    from sklearn.metrics import f1_score

    sweep = []
    for floor in (None, *CLAIM_FLOORS):
        y_true, y_pred = [], []
        for doc, p in zip(docs, probs):
            y_true += [u.role for u in doc.units]
            y_pred += [r for r, _ in decode_roles(p, paragraphs=paragraph_of_units(doc), claim_floor=floor)]
        sweep.append({"claim_floor": floor, "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(ROLES), average="macro", zero_division=0)), 4)})
    best = max(sweep, key=lambda r: (r["macro_f1"], r["claim_floor"] is None))
    return best["claim_floor"], sweep


# -- links ----------------------------------------------------------------------------------------

FEATURES = (
    "bias", "target_major_claim", "target_claim", "target_premise",
    "target_before", "adjacent", "adjacent_before", "log_distance", "same_paragraph", "same_sentence",
    "target_first_in_paragraph", "target_last_in_paragraph", "target_only_claim_in_paragraph",
    "source_evidence_marker", "source_evidence_x_adjacent_before", "target_conclusion_marker",
    "source_concession", "word_overlap", "same_paragraph_x_target_claim", "target_in_first_or_last_paragraph",
)


@dataclass
class _Layout:
    """What the link features read about a document's argumentative units."""

    units: list[Unit]
    roles: list[str]
    par: list[int]
    sent: list[int]
    lead: list[str]  # the words of the sentence before each unit (its markers)
    words: list[set[str]]
    edge_pars: frozenset[int]  # the first and last paragraphs holding units (none when there is one)
    first_in_par: list[bool]
    last_in_par: list[bool]
    claims_in_par: dict[int, int]
    conceded: list[bool]  # introduced as a concession ("admittedly", "critics say")


def _layout(doc: Document, units: list[Unit]) -> _Layout:
    pars, sents = SpanIndex(doc.paragraphs), SpanIndex(doc.sentences)
    par = [pars.index(u.start) for u in units]
    sent = [sents.index(u.start) for u in units]
    lead = []
    for u, s in zip(units, sent):
        start = doc.sentences[s].start if s >= 0 else max(0, u.start - 40)
        lead.append(doc.text[max(start, u.start - 60) : u.start])
    words = [{w for w in WORD.findall(doc.text[u.start : u.end].lower()) if w not in STOP} for u in units]
    claims_in_par: dict[int, int] = {}
    for u, p in zip(units, par):
        if u.role in ("claim", "major_claim"):
            claims_in_par[p] = claims_in_par.get(p, 0) + 1
    first = [i == 0 or par[i - 1] != par[i] for i in range(len(units))]
    last = [i == len(units) - 1 or par[i + 1] != par[i] for i in range(len(units))]
    conceded = [bool(CONCESSION.search(lead[i]) or CONCESSION.match(doc.text[u.start : u.end])) for i, u in enumerate(units)]
    pars = sorted(set(par))
    edge_pars = frozenset((pars[0], pars[-1])) if len(pars) > 1 else frozenset()
    return _Layout(units, [u.role for u in units], par, sent, lead, words, edge_pars, first, last, claims_in_par, conceded)


def _features(L: _Layout, s: int, t: int) -> list[float]:
    d = t - s
    same_par = L.par[s] == L.par[t]
    t_role = L.roles[t]
    evidence = bool(EVIDENCE.search(L.lead[s]))
    union = L.words[s] | L.words[t]
    overlap = len(L.words[s] & L.words[t]) / len(union) if union else 0.0
    return [
        1.0, float(t_role == "major_claim"), float(t_role == "claim"), float(t_role == "premise"),
        float(d < 0), float(abs(d) == 1), float(d == -1), math.log1p(abs(d)), float(same_par),
        float(L.sent[s] == L.sent[t] and L.sent[s] >= 0),
        float(L.first_in_par[t]), float(L.last_in_par[t]), float(same_par and t_role == "claim" and L.claims_in_par.get(L.par[t], 0) == 1),
        float(evidence), float(evidence and d == -1), float(bool(CONCLUDE.search(L.lead[t]))),
        float(L.conceded[s]), overlap,
        float(same_par and t_role == "claim"), float(L.par[t] in L.edge_pars),
    ]


def _argumentative(doc: Document) -> list[Unit]:
    return sorted((u for u in doc.units if u.role in ARGUMENTATIVE), key=lambda u: u.start)


def link_pairs(doc: Document) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Feature rows for every (premise, candidate target) pair of a document's units."""
    units = _argumentative(doc)
    L = _layout(doc, units)
    rows, pairs = [], []
    for s, u in enumerate(units):
        if u.role != "premise":
            continue
        for t, v in enumerate(units):
            if t != s:
                rows.append(_features(L, s, t))
                pairs.append((u.id, v.id))
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES)), pairs


def _relation_type(doc: Document, L: _Layout, s: int, t: int) -> str:
    """attack when the source is a concession, or answers a conceded target with a contrast."""
    source_text = doc.text[L.units[s].start : L.units[s].end]
    if L.conceded[s]:
        return "attack"
    if L.conceded[t] and (CONTRAST.search(L.lead[s].strip().split(".")[-1].strip()) or CONTRAST.match(source_text)):
        return "attack"
    return "support"


def predict_links(doc: Document, weights: np.ndarray | None = None, method: str = "model") -> list[Relation]:
    """Relations for a document whose units have roles: every claim to the first major claim,
    every premise to its best-scoring target. ``method`` is ``model`` (the weights), or one of the
    naive baselines ``nearest`` (the nearest claim or major claim) and ``paragraph_first`` (the
    first claim of the premise's paragraph, else the nearest claim)."""
    units = _argumentative(doc)
    if not units:
        return []
    L = _layout(doc, units)
    majors = [i for i, r in enumerate(L.roles) if r == "major_claim"]
    claims = [i for i, r in enumerate(L.roles) if r in ("claim", "major_claim")]
    out = []
    for s, u in enumerate(units):
        target = None
        if u.role == "claim" and majors:
            target = majors[0]
        elif u.role == "premise":
            candidates = [t for t in range(len(units)) if t != s]
            if not candidates:
                continue
            if method == "model" and weights is not None:
                scores = np.array([_features(L, s, t) for t in candidates]) @ weights
                target = candidates[int(scores.argmax())]
            elif method in ("nearest", "paragraph_first", "model"):
                pool = [t for t in claims if t != s] or candidates
                if method == "paragraph_first":
                    first = [t for t in pool if L.par[t] == L.par[s]]
                    pool = first[:1] or pool
                target = min(pool, key=lambda t: (abs(t - s), t > s))
            else:
                raise ValueError(f"invalid link method {method!r}. Expected model, nearest or paragraph_first")
        if target is not None:
            out.append(Relation(u.id, units[target].id, _relation_type(doc, L, s, target)))
    return out


def fit_links(docs: list[Document], c: float = 1.0) -> np.ndarray:
    """Logistic-regression weights (one per feature) from gold documents' premise links."""
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for doc in docs:
        x, pairs = link_pairs(doc)
        gold = {(r.source, r.target) for r in doc.relations}
        xs.append(x)
        ys.extend(int(p in gold) for p in pairs)
    x = np.vstack(xs)
    model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False, class_weight="balanced")
    model.fit(x, np.array(ys))
    return model.coef_[0]


def save_links(weights: np.ndarray, folder: Path, extra: dict | None = None) -> Path:
    path = Path(folder) / LINKS_FILE
    body = {"method": "logistic regression over named pair features; argmax target per premise",
            "weights": {name: round(float(w), 6) for name, w in zip(FEATURES, weights)}, **(extra or {})}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path


def load_links(folder: Path) -> np.ndarray | None:
    path = Path(folder) / LINKS_FILE
    if not path.is_file():
        return None
    weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
    missing = [f for f in FEATURES if f not in weights]
    if missing:
        from .classify import ModelError

        raise ModelError(f"{path}: weights for {missing} are missing; expected one weight per feature {FEATURES}")
    return np.array([weights[f] for f in FEATURES])


# -- the model ----------------------------------------------------------------------------------


@dataclass
class ComponentModel:
    """Roles from the fine-tuned encoder and links from the pairwise scorer, for many documents
    at once (all their units go through one batched call)."""

    classifier: object  # classify.QuoteClassifier over ROLES
    link_weights: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    context_chars: int = CONTEXT_CHARS
    claim_floor: float | None = None  # see decode_roles; chosen on dev

    @classmethod
    def load(cls, model_dir: Path | str = DEFAULT_COMPONENT_MODEL, device: str = "auto", **kwargs) -> ComponentModel:
        from .classify import ModelError, QuoteClassifier

        classifier = QuoteClassifier.load(model_dir, device=device, **kwargs)
        if tuple(classifier.labels) != ROLES:
            raise ModelError(f"{model_dir}: labels {classifier.labels} are not the roles {ROLES}")
        from .classify import read_card

        from .classify import sha256_file

        links = Path(model_dir) / LINKS_FILE
        info = {**classifier.info, "links": LINKS_FILE if links.is_file() else "nearest claim",
                "links_sha256": sha256_file(links) if links.is_file() else None}
        card = read_card(Path(model_dir))
        chars = int(card.get("context_chars", CONTEXT_CHARS))
        return cls(classifier, load_links(Path(model_dir)), info, chars, card.get("decoding", {}).get("claim_floor"))

    def role_probs(self, docs: list[Document]) -> list[np.ndarray]:
        """Each document's unit-role probabilities (columns in ``ROLES`` order). A unit that is
        only a reporting frame ("Person states that", before a block quote) carries no point of
        its own: it is ``none`` with certainty, as in the rules baseline."""
        texts, contexts, sizes = [], [], []
        for d in docs:
            t, c = unit_inputs(d, chars=self.context_chars)
            texts += t
            contexts += c
            sizes.append(len(t))
        probs = np.array([[p[r] for r in ROLES] for p in self.classifier.predict(texts, contexts)]).reshape(-1, len(ROLES))
        frames = [i for i, t in enumerate(texts) if FRAME.match(t.strip())]
        probs[frames] = np.eye(len(ROLES))[ROLES.index("none")]
        return np.split(probs, np.cumsum(sizes)[:-1]) if docs else []

    def label(self, docs: list[Document], single_major: bool = False, links: bool = True) -> None:
        """Set every unit's role (and, with ``links``, every unit's relation) in place. Quotation
        relations are kept."""
        for doc, probs in zip(docs, self.role_probs(docs)):
            roles = decode_roles(probs, single_major, paragraph_of_units(doc), self.claim_floor)
            doc.units = [replace(u, role=r, confidence=round(c, 4)) for u, (r, c) in zip(doc.units, roles)]
            if links:
                quotes = {q.id for q in doc.quotes}
                kept = [r for r in doc.relations if r.source in quotes]
                doc.relations = kept + predict_links(doc, self.link_weights, "model" if self.link_weights is not None else "nearest")


def load_component_model(model_dir: Path | None = None, device: str = "auto", required: bool = False, dtype: str = "auto") -> ComponentModel | None:
    """The component model from ``model_dir`` (default: the shipped one); None when none is
    shipped and it is not ``required``."""
    from .classify import CARD_FILE

    path = Path(model_dir) if model_dir else DEFAULT_COMPONENT_MODEL
    if not (path / CARD_FILE).exists() and not required:
        return None
    return ComponentModel.load(path, device=device, dtype=dtype)
