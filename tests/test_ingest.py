import pytest

from pipeline.ingest import InputError, ingest, layout


@pytest.mark.parametrize("raw,expected", [
    ("The war began in\nFebruary and did not\nstop.", "The war began in February and did not stop."),
    ("A negoti-\nated peace is rare.", "A negotiated peace is rare."),
])
def test_ingest_rejoins_wrapped_lines(raw, expected):
    lay = layout(raw)
    assert [lay.text[p.start:p.end] for p in lay.paragraphs] == [expected]


def test_ingest_rejoins_paragraph_cut_by_page_break():
    raw = "“The flawed information had made\n\nhim unwilling to negotiate.”\n\nNext paragraph."
    lay = layout(raw)
    pars = [lay.text[p.start:p.end] for p in lay.paragraphs]
    assert pars == ["“The flawed information had made him unwilling to negotiate.”", "Next paragraph."]


def test_ingest_keeps_paragraphs_that_end_a_sentence_apart():
    lay = layout("First one ends here.\n\nsecond starts lower case.")
    assert len(lay.paragraphs) == 2


@pytest.mark.parametrize("heading,number,title", [
    ("2.1 Information Problems", "2.1", "Information Problems"),
    ("4 What Can be Done?", "4", "What Can be Done?"),
    ("## 3 Putin's Impetus", "3", "Putin's Impetus"),
    ("## Background", None, "Background"),
])
def test_ingest_recognises_headings(heading, number, title):
    lay = layout(f"Intro text is here and long enough.\n\n{heading}\n\nBody of the section.")
    assert [(s.number, s.title) for s in lay.sections] == [(number, title)]
    s = lay.sections[0]
    assert lay.text[s.start:s.end].endswith("Body of the section.")


def test_ingest_numbered_sentence_is_not_a_heading():
    lay = layout("Intro.\n\n3 soldiers were killed in the attack on Tuesday, officials said.")
    assert lay.sections == []


def test_ingest_subsections_nest_inside_their_section():
    lay = layout("1 One\n\nText a.\n\n1.1 Sub\n\nText b.\n\n2 Two\n\nText c.")
    spans = {s.number: lay.text[s.start:s.end] for s in lay.sections}
    assert spans["1"].startswith("1 One") and spans["1"].endswith("Text b.")
    assert spans["1.1"] == "1.1 Sub\n\nText b."
    assert spans["2"] == "2 Two\n\nText c."


def test_ingest_separates_footnote_and_keeps_interrupted_sentence_whole():
    raw = ("Long range missiles would let Ukraine strike deeper ¹ and the\n\n"
           "¹Supplies have grown since this was written.\n\n"
           "fatigue would tell on Russia.")
    lay = layout(raw)
    pars = [lay.text[p.start:p.end] for p in lay.paragraphs]
    assert pars == ["Long range missiles would let Ukraine strike deeper ¹ and the fatigue would tell on Russia."]
    (note,) = lay.footnotes
    assert lay.text[note.start:note.end] == "¹Supplies have grown since this was written."
    assert note.marker == "¹"
    assert lay.text[note.ref_start:note.ref_end] == "¹"
    assert note.start > pars[0].__len__()


def test_ingest_reads_front_matter():
    lay = layout("Should Ukraine Negotiate?\n\nJane Q. Writer\n\nApril 22, 2025\n\n1 Intro\n\nText.")
    assert (lay.title, lay.author, lay.date) == ("Should Ukraine Negotiate?", "Jane Q. Writer", "2025-04-22")


def test_ingest_markdown_headings_and_quotes(tmp_path):
    path = tmp_path / "essay.md"
    path.write_text("# A Title\n\n## 1 First\n\nSome **bold** claim here.\n\n> A quoted line.\n", encoding="utf-8")
    doc = ingest(str(path))
    assert doc.title == "A Title"
    assert [(s.number, s.title) for s in doc.sections] == [("1", "First")]
    assert "Some bold claim here." in doc.text and "> " not in doc.text
    assert doc.source.format == "md"


def test_ingest_html(tmp_path):
    path = tmp_path / "essay.html"
    path.write_text("<html><head><title>Peace talks</title><script>x=1</script></head><body>"
                    "<h2>1 Background</h2><p>The talks <b>failed</b>.</p><ul><li>One point</li></ul></body></html>", encoding="utf-8")
    doc = ingest(str(path))
    assert doc.title == "Peace talks"
    assert [(s.number, s.title) for s in doc.sections] == [("1", "Background")]
    assert "The talks failed." in doc.text and "x=1" not in doc.text


def test_ingest_docx(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.core_properties.title = "Armistice"
    d.core_properties.author = "A. Writer"
    d.add_heading("1 Korea", level=1)
    d.add_paragraph("The armistice held because both sides feared the cost of a new war.")
    path = tmp_path / "essay.docx"
    d.save(path)
    doc = ingest(str(path))
    assert (doc.title, doc.author) == ("Armistice", "A. Writer")
    assert [(s.number, s.title) for s in doc.sections] == [("1", "Korea")]
    assert len(doc.paragraphs) == 1


def _pdf(path, lines):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    fig = plt.figure(figsize=(8.5, 11))
    for i, line in enumerate(lines):
        fig.text(0.1, 0.9 - 0.03 * i, line)
    if not lines:
        fig.add_artist(plt.Rectangle((0.2, 0.2), 0.3, 0.3))
    fig.savefig(path, format="pdf")
    plt.close(fig)


def test_ingest_pdf(tmp_path):
    path = tmp_path / "essay.pdf"
    _pdf(path, ["The ceasefire failed because neither side", "believed the other would keep its word."])
    doc = ingest(str(path))
    assert doc.source.format == "pdf"
    assert "neither side believed the other" in doc.text


def test_ingest_pdf_without_text_is_a_clear_error(tmp_path):
    path = tmp_path / "scan.pdf"
    _pdf(path, [])
    with pytest.raises(InputError, match="no extractable text"):
        ingest(str(path))


@pytest.mark.parametrize("data,reason", [
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"caf\xe9 au lait", "not valid UTF-8: byte 0xe9 at offset 3"),
])
def test_ingest_rejects_undecodable_bytes(tmp_path, data, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason) as err:
        ingest(str(path))
    assert str(path) in str(err.value)


def test_ingest_decodes_utf16_with_bom(tmp_path):
    path = tmp_path / "u16.txt"
    path.write_bytes("War ends in talks.".encode("utf-16"))
    assert ingest(str(path)).text == "War ends in talks."


@pytest.mark.parametrize("name,reason", [("essay.rtf", "unsupported extension '.rtf'"), ("missing.txt", "no such file")])
def test_ingest_rejects_unsupported_and_missing(tmp_path, name, reason):
    path = tmp_path / name
    if name.endswith(".rtf"):
        path.write_text("x")
    with pytest.raises(InputError, match=reason):
        ingest(str(path))


def test_ingest_rejects_oversized_file(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * (4 * 1024 * 1024))  # 20 MB
    with pytest.raises(InputError, match="over the 10 MB limit"):
        ingest(str(path))


def test_ingest_source_digest_and_id(tmp_path):
    import hashlib
    path = tmp_path / "essay-7.txt"
    path.write_bytes(b"Peace.")
    doc = ingest(str(path))
    assert doc.id == "essay-7"
    assert doc.source.sha256 == hashlib.sha256(b"Peace.").hexdigest()


def test_ingest_reads_kicker_title_and_byline():
    lay = layout("AN ISRAELI VIEW\nTrust is not enough\n\nby Saul Singer\n\nThe speech embodied a paradox of the modern age, and it said so.")
    assert (lay.title, lay.author) == ("Trust is not enough", "Saul Singer")
    assert [lay.text[p.start:p.end] for p in lay.paragraphs] == ["The speech embodied a paradox of the modern age, and it said so."]
