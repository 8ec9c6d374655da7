"""The seed essay against its hand-checked gold annotation (corpus/seed/)."""

from pipeline.document import validate


def test_seed_validates_against_schema(seed_doc):
    validate(seed_doc.to_dict())


def test_seed_front_matter(seed_doc, seed_gold):
    assert (seed_doc.title, seed_doc.author, seed_doc.date) == (seed_gold["title"], seed_gold["author"], seed_gold["date"])


def test_seed_sections(seed_doc, seed_gold):
    assert [(s.number, s.title) for s in seed_doc.sections] == [(s["number"], s["title"]) for s in seed_gold["sections"]]
    assert [s.number for s in seed_doc.sections] == ["1", "2", "2.1", "2.2", "2.3", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5"]


def test_seed_all_quotations_found_with_exact_spans(seed_doc, seed_gold):
    found = [(q.kind, seed_doc.text[q.start:q.end]) for q in seed_doc.quotes]
    assert found == [(q["kind"], q["text"]) for q in seed_gold["quotes"]]
    kinds = [q.kind for q in seed_doc.quotes]
    assert kinds.count("inline") == 13 and kinds.count("block") == 5


def test_seed_block_quotes_are_in_sections_4_2_to_4_4(seed_doc):
    def section(pos):
        return max((s for s in seed_doc.sections if s.start <= pos < s.end), key=lambda s: s.start).number
    assert [section(q.start) for q in seed_doc.quotes if q.kind == "block"] == ["4.2", "4.3", "4.3", "4.4", "4.4"]


def test_seed_citations_and_speakers(seed_doc, seed_gold):
    assert [q.citation.marker if q.citation else None for q in seed_doc.quotes] == [q["citation"] for q in seed_gold["quotes"]]
    assert [q.attribution.speaker for q in seed_doc.quotes] == [q["speaker"] for q in seed_gold["quotes"]]
    framed = [q for q in seed_doc.quotes if not q.attribution.inferred]
    assert len(framed) >= 15
    for q in framed:
        assert seed_doc.text[q.attribution.start:q.attribution.end] == q.attribution.cue


def test_seed_author_phrases_not_quotations(seed_doc, seed_gold):
    texts = [seed_doc.text[q.start:q.end] for q in seed_doc.quotes]
    for phrase in seed_gold["not_quotations"]:
        assert phrase in seed_doc.text
        assert not any(t.strip("“”'\" ,.") == phrase.strip(",.") for t in texts)


def test_seed_footnote_separated_and_sentence_whole(seed_doc, seed_gold):
    (note,) = seed_doc.footnotes
    gold = seed_gold["footnotes"][0]
    assert seed_doc.text[note.start:note.end].startswith(gold["marker"] + gold["starts_with"])
    body_end = max(p.end for p in seed_doc.paragraphs)
    assert note.start > body_end
    assert gold["interrupts"] in seed_doc.text[:body_end]
    assert seed_doc.text[note.ref_start:note.ref_end] == gold["marker"]


def test_seed_every_quote_backs_a_unit(seed_doc):
    ids = {u.id for u in seed_doc.units}
    for q in seed_doc.quotes:
        assert q.unit_id in ids
        assert any(r.source == q.id and r.target == q.unit_id for r in seed_doc.relations)


def test_seed_quotation_context_is_the_claim_it_backs(seed_doc):
    from pipeline.quotes import quote_contexts

    contexts = dict(zip((seed_doc.text[q.start:q.start + 20] for q in seed_doc.quotes), quote_contexts(seed_doc)))
    assert contexts["[w]ars over identity"].startswith("This distrust, as previously stated, will prevent any negotiations")
    assert contexts["Russian war aims esc"].startswith("This is largely due to the amount of distrust")


def test_inline_quotation_context_is_the_words_before_it(annotate_text):
    from pipeline.quotes import quote_contexts

    doc = annotate_text("Talks failed because, as the envoy said, \u201cnobody at the table believed a single promise made there.\u201d")
    assert quote_contexts(doc) == ["Talks failed because, as the envoy said,"]
