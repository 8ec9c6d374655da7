import pytest

from conftest import quote_texts
from pipeline.quotes import pair_marks


@pytest.mark.parametrize("text,pairs", [
    ("a “b “c” d” e", [(2, 10)]),
    ('say "x" and "y"', [(4, 6), (12, 14)]),
    ("“never closed", []),
    ("stray ” close", []),
    ("“outer “inner” still open", [(7, 13)]),
])
def test_quotes_pair_marks_top_level_only(text, pairs):
    assert pair_marks(text) == pairs


def test_quotes_nested_quote_stays_one_span(annotate_text):
    doc = annotate_text("Person states:\n\n“Some questions are “all or nothing.” They cannot be bargained at all. [1]”")
    assert quote_texts(doc) == ["Some questions are “all or nothing.” They cannot be bargained at all."]
    assert doc.quotes[0].citation.marker == "[1]"
    c = doc.quotes[0].citation
    assert doc.text[c.start:c.end] == "[1]"


def test_quotes_author_phrases_are_not_quotations(annotate_text):
    doc = annotate_text("It is instead an “all or nothing” approach, and a 'victory,' of sorts, that nobody can \"split\" easily.")
    assert doc.quotes == []


def test_quotes_short_quote_with_reporting_clause_counts(annotate_text):
    doc = annotate_text("The envoy said the offer was “dead on arrival” and left the room.")
    assert quote_texts(doc) == []
    doc = annotate_text("The envoy said: “The offer is dead.”")
    assert quote_texts(doc) == ["The offer is dead."]
    assert doc.quotes[0].attribution.speaker == "The envoy"


def test_quotes_straight_marks_and_speaker_after(annotate_text):
    doc = annotate_text('"We will not give up a single village of our homeland," the president said on Tuesday.')
    assert quote_texts(doc) == ["We will not give up a single village of our homeland"]
    att = doc.quotes[0].attribution
    assert (att.speaker, att.cue, att.inferred) == ("the president", "the president said", False)


@pytest.mark.parametrize("intro,speaker", [
    ("Person states that", "Person"),
    ("As Maria Lopez says,", "Maria Lopez"),
    ("I do fully agree with Person when he says that", "Person"),
    ("This is the view of Fearon, according to Fearon", "Fearon"),
])
def test_quotes_block_quote_after_reporting_clause(annotate_text, intro, speaker):
    body = "[W]e should not allow what remains a low-probability scenario to paralyze decisive action."
    doc = annotate_text(f"The risk is small.\n\nSomething else first. {intro}\n\n{body}\n\nAfter the quote, my own view.")
    (q,) = doc.quotes
    assert q.kind == "block"
    assert doc.text[q.start:q.end] == body
    assert q.attribution.speaker == speaker
    assert doc.text[q.attribution.start:q.attribution.end] == q.attribution.cue


def test_quotes_paragraph_after_non_reporting_colon_is_not_a_quote(annotate_text):
    doc = annotate_text("This outcome has numerous upsides, including\n\nReclamation of currently occupied territory and much more.")
    assert doc.quotes == []


def test_quotes_page_break_inside_quote_is_one_quote(annotate_text):
    doc = annotate_text("As person said:\n\n“The problems afflicting his information had made\n\nhim unwilling to negotiate beforehand.”")
    assert quote_texts(doc) == ["The problems afflicting his information had made him unwilling to negotiate beforehand."]


def test_quotes_unbalanced_marks_give_a_valid_document(annotate_text):
    from pipeline.document import validate
    doc = annotate_text("He said “this never ends. And “this one does” not matter. Also ” stray.")
    validate(doc.to_dict())


def test_quotes_link_to_the_unit_they_back(annotate_text):
    doc = annotate_text("Nobody trusts the other side to disarm. The negotiator states that:\n\n“Each side fears that the other will rearm the moment the monitors leave.”")
    (q,) = doc.quotes
    unit = next(u for u in doc.units if u.id == q.unit_id)
    assert doc.text[unit.start:unit.end] == "Nobody trusts the other side to disarm"
    assert any(r.source == q.id and r.target == unit.id and r.type == "support" for r in doc.relations)


def test_quotes_adversarial_marks_finish_and_stay_consistent(annotate_text):
    # 100k marks of every kind: pairing is a single linear scan (timing lives in bench/)
    text = ("“" * 30000) + ('"' * 40000) + ("”" * 30000) + " end."
    doc = annotate_text(text)
    for q in doc.quotes:
        assert 0 <= q.start <= q.end <= len(doc.text)


@pytest.mark.parametrize("text,speaker", [
    ("Obama said that day, and he meant it. Finally, the Arab states must act: \u201cThe initiative was only a beginning of what they owe.\u201d", "Obama"),
    ("This distrust, as previously stated, will last, as Person states that \u201cwars over identity are nearly impossible to end.\u201d", "Person"),
])
def test_quotes_plural_nouns_are_not_reporting_verbs(annotate_text, text, speaker):
    doc = annotate_text(text)
    assert [q.attribution.speaker for q in doc.quotes] == [speaker]
