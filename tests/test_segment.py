import pytest

from pipeline.document import Paragraph
from pipeline.segment import sentence_spans


def _sents(text):
    return [text[s.start:s.end] for s in sentence_spans(text, [Paragraph(0, len(text))])]


@pytest.mark.parametrize("text,expected", [
    ("Talks failed. [1] Then war resumed.", ["Talks failed. [1]", "Then war resumed."]),
    ("They fight over . . . [which are] the reasons. Done.", ["They fight over . . . [which are] the reasons.", "Done."]),
    ("The U.S. sent aid. Kyiv held.", ["The U.S. sent aid.", "Kyiv held."]),
])
def test_segment_sentences_respect_citations_and_edits(text, expected):
    assert _sents(text) == expected


def test_segment_sentences_never_cross_paragraphs():
    text = "First paragraph without a stop\n\nSecond paragraph."
    pars = [Paragraph(0, 30), Paragraph(32, len(text))]
    assert [text[s.start:s.end] for s in sentence_spans(text, pars)] == ["First paragraph without a stop", "Second paragraph."]


def test_segment_splits_units_at_discourse_markers(annotate_text):
    doc = annotate_text("I believe this is the most likely outcome because of the nature of US bureaucracy.")
    assert [doc.text[u.start:u.end] for u in doc.units] == [
        "this is the most likely outcome", "because of the nature of US bureaucracy"]
    assert doc.units[0].role in ("claim", "major_claim") and doc.units[1].role == "premise"


def test_segment_leaves_markers_and_stance_frames_outside_units(annotate_text):
    doc = annotate_text("Therefore, I believe that the talks must resume this winter. Because of the war, trade has collapsed. "
                        "Still, the front has not moved. Since 2014 the border has been closed.")
    assert [doc.text[u.start:u.end] for u in doc.units] == [
        "the talks must resume this winter", "Because of the war, trade has collapsed", "the front has not moved",
        "Since 2014 the border has been closed"]


def test_segment_keeps_short_clauses_together(annotate_text):
    doc = annotate_text("We left because it rained.")
    assert len(doc.units) == 1


def test_segment_quoted_sentences_are_not_author_units(annotate_text):
    doc = annotate_text("The minister said:\n\n“No deal will hold while the guns are still loaded. Nobody believes otherwise.”")
    assert [doc.text[u.start:u.end] for u in doc.units] == ["The minister said"]
    assert len(doc.quotes) == 1


def test_segment_unit_offsets_are_exact(seed_doc):
    for unit in seed_doc.units:
        span = seed_doc.text[unit.start:unit.end]
        assert span == span.strip() and span
