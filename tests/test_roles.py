from collections import Counter


def test_roles_are_not_constant(seed_doc):
    roles = Counter(u.role for u in seed_doc.units)
    assert roles["claim"] > 0 and roles["premise"] > 0 and roles["none"] > 0
    assert roles["major_claim"] == 1


def test_roles_major_claim_is_the_seed_thesis(seed_doc, seed_gold):
    (major,) = [u for u in seed_doc.units if u.role == "major_claim"]
    # the unit leaves out its stance frame ("I believe that") and its full stop
    assert seed_doc.text[major.start:major.end] == seed_gold["major_claim"].removeprefix("I believe that ").rstrip(".")


def test_roles_reporting_frames_are_none(annotate_text):
    doc = annotate_text("Peace is not near, and we should say so plainly. As the envoy said:\n\n“Nobody at the table believes a word the other side says.”")
    frame = [u for u in doc.units if doc.text[u.start:u.end] == "As the envoy said"]
    assert frame and frame[0].role == "none"


def test_roles_relations_point_premises_at_claims(annotate_text):
    doc = annotate_text("We should negotiate now. Because the front has not moved for a year, neither side can win.")
    roles = {u.id: u.role for u in doc.units}
    assert any(roles[r.source] == "premise" and roles[r.target] in ("claim", "major_claim") for r in doc.relations)
    assert all(r.source != r.target for r in doc.relations)
