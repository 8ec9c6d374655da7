"""Scoring argument structure on tiny gold/prediction pairs with numbers worked out by hand."""

from dataclasses import replace

import pytest

from pipeline.document import Document, Paragraph, Relation, Source, Unit
from pipeline.structure_eval import evaluate_structure, link_f1, match

TEXT = "We should talk. Talks save lives. Wars end at tables. Some say talks reward aggression."
#       0         1         2         3         4         5         6         7         8
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567


def unit(text, piece, uid, role):
    a = text.index(piece)
    return Unit(a, a + len(piece), id=uid, role=role)


def gold_doc():
    doc = Document(id="g", text=TEXT, source=Source("g.txt", "txt", "0"), paragraphs=[Paragraph(0, len(TEXT))])
    doc.units = [unit(TEXT, "We should talk", "u1", "major_claim"), unit(TEXT, "Talks save lives", "u2", "premise"),
                 unit(TEXT, "Wars end at tables", "u3", "premise"), unit(TEXT, "Some say talks reward aggression", "u4", "claim")]
    doc.relations = [Relation("u2", "u1"), Relation("u3", "u2"), Relation("u4", "u1", "attack")]
    return doc


def test_gold_segments_roles_and_links():
    def label(docs, micro):
        (d,) = docs
        roles = ["major_claim", "premise", "claim", "claim"]  # one premise called a claim
        d.units = [replace(u, role=r) for u, r in zip(d.units, roles)]
        d.relations = [Relation("u2", "u1"), Relation("u3", "u1"), Relation("u4", "u1")]  # 2 of 3 links right

    r = evaluate_structure([gold_doc()], label, segment=None)
    assert r["n_units"] == 4
    assert r["per_class"]["premise"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(0.6667, abs=1e-4), "support": 2}
    assert r["per_class"]["claim"]["precision"] == 0.5 and r["per_class"]["claim"]["recall"] == 1.0
    assert r["per_class"]["major_claim"]["f1"] == 1.0
    assert r["per_class"]["none"]["support"] == 0
    assert r["macro_f1"] == pytest.approx((1.0 + 2 / 3 + 2 / 3) / 3, abs=1e-4)  # `none`, absent from gold and prediction, is not averaged
    assert r["link_f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_predicted_segments_match_exactly_or_by_overlap():
    gold = gold_doc()
    pred = [Unit(0, 14, id="p1", role="major_claim"),  # exact
            Unit(16, 33, id="p2", role="premise"),  # "Talks save lives." exact once the stop is set aside
            Unit(34, 45, id="p3", role="premise"),  # "Wars end at" : 11 of 18 characters, overlap only
            Unit(54, 62, id="p4", role="claim")]  # "Some say": too little of the gold unit
    assert match(gold.units, pred, exact=True, text=TEXT) == {"p1": "u1", "p2": "u2"}
    assert match(gold.units, pred, exact=False, text=TEXT) == {"p1": "u1", "p2": "u2", "p3": "u3"}

    def segment(doc):
        doc.units = list(pred)
        return doc

    def label(docs, micro):
        docs[0].relations = [Relation("p2", "p1"), Relation("p3", "p2"), Relation("p4", "p1", "attack")]

    r = evaluate_structure([gold], label, segment=segment)
    assert r["segment_f1_exact"] == 0.5  # 2 of 4 both ways
    assert r["segment_f1_overlap"] == 0.75
    assert r["per_class"]["claim"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["per_class"]["premise"]["f1"] == 1.0
    assert r["link_f1"] == pytest.approx(2 / 3, abs=1e-4)  # p4 matches no gold unit, so its link cannot count


def test_microtext_scheme_scores_the_central_claim_against_the_rest():
    def label(docs, micro):
        assert micro
        d = docs[0]
        d.units = [replace(u, role=r) for u, r in zip(d.units, ["premise", "major_claim", "premise", "claim"])]
        d.relations = []

    r = evaluate_structure([gold_doc()], label, segment=None, micro=True)
    assert r["labels"] == ["claim", "premise"]
    assert r["per_class"]["claim"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["per_class"]["premise"]["recall"] == pytest.approx(2 / 3, abs=1e-4)


def test_link_f1_counts_links_between_units_only():
    g = gold_doc()
    p = replace(g)
    p.relations = g.relations + [Relation("q1", "u2")]
    assert link_f1([g], [p])["f1"] == 1.0
