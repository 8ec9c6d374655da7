"""brat standoff and microtext XML: our own files in, our own files out."""

from pathlib import Path

import pytest

from conftest import ROOT, SHARED
from pipeline import essays
from pipeline.interchange import FormatError, brat_splits, read_brat, read_microtext, read_microtext_dir, write_brat

DATA = Path(__file__).parent / "data"


def test_brat_round_trip_of_every_gold_essay_is_lossless(tmp_path):
    for doc in essays.load(ROOT / "corpus" / "essays"):
        write_brat(doc, tmp_path)
        back = read_brat(tmp_path / f"{doc.id}.ann")
        assert back.text == doc.text
        assert back.units == doc.units, doc.id
        assert back.relations == doc.relations, doc.id
        assert back.quotes == doc.quotes, doc.id
        assert [q.obstacle.label for q in back.quotes] == [q.obstacle.label for q in doc.quotes]
        assert back.paragraphs == doc.paragraphs and back.title == doc.title
        assert back.sections == doc.sections, doc.id


def test_brat_writes_the_argument_essays_conventions(tmp_path):
    doc = essays.compile_essay(DATA / "essay_tiny.md")
    _, ann = write_brat(doc, tmp_path)
    lines = ann.read_text().splitlines()
    tid = {l.split("\t")[2]: l.split("\t")[0] for l in lines if l.startswith("T")}
    assert any(l.split("\t")[1].startswith("MajorClaim ") for l in lines)
    # claims carry their stance towards the major claim, not a relation
    assert f"Stance {tid['the truce has saved lives']} For" in [l.split("\t")[1] for l in lines if l.startswith("A")]
    assert f"Stance {tid['a longer truce lets both sides rearm']} Against" in [l.split("\t")[1] for l in lines if l.startswith("A")]
    rebuttal = f"attacks Arg1:{tid['the monitors count every gun that crosses the bridge']} Arg2:{tid['a longer truce lets both sides rearm']}"
    assert rebuttal in [l.split("\t")[1] for l in lines if l.startswith("R")]
    for l in lines:
        if l.startswith("T"):
            _, head, text = l.split("\t")
            _, a, b = head.split()
            assert doc.text[int(a) : int(b)] == text


def test_brat_reader_on_a_corpus_style_file():
    doc = read_brat(DATA / "brat_style" / "essay_ours.ann")
    assert doc.title == "Should towns light their streets all night?"
    assert len(doc.paragraphs) == 3  # one paragraph per line after the title
    roles = {doc.text[u.start : u.end]: u.role for u in doc.units}
    assert roles["towns should keep the lamps on all night"] == "major_claim"
    assert roles["the lamps waste energy"] == "claim"
    assert roles["Many councils now switch off half their street lamps after one in the morning"] == "none"
    by_text = {u.id: doc.text[u.start : u.end] for u in doc.units}
    rel = {(by_text[r.source], by_text[r.target], r.type) for r in doc.relations}
    assert ("the lamps waste energy", "towns should keep the lamps on all night", "attack") in rel  # stance Against
    assert ("modern LED lamps use a fraction of the old power", "the lamps waste energy", "attack") in rel


def test_brat_reader_refuses_text_that_does_not_match(tmp_path):
    (tmp_path / "x.txt").write_text("We should talk now.", encoding="utf-8")
    (tmp_path / "x.ann").write_text("T1\tMajorClaim 0 9\tWe should walk\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"x\.ann:1: the text"):
        read_brat(tmp_path / "x.ann")
    (tmp_path / "x.ann").write_text("T1\tMajorClaim 0 9\tWe should\nR1\tsupports Arg1:T2 Arg2:T1\t\n", encoding="utf-8")
    with pytest.raises(FormatError, match="T2 is referred to"):
        read_brat(tmp_path / "x.ann")


def test_brat_splits_keep_test_documents_out(tmp_path):
    docs = essays.load(ROOT / "corpus" / "essays")[:12]
    for d in docs:
        write_brat(d, tmp_path)
    (tmp_path / "train-test-split.csv").write_text('"ID";"SET"\n' + f'"{docs[0].id}";"TEST"\n', encoding="utf-8")
    train, dev = brat_splits(tmp_path)
    ids = {d.id for d in train} | {d.id for d in dev}
    assert docs[0].id not in ids and len(ids) == 11 and len(dev) == 1


def test_microtext_reader_counts_adus_and_finds_the_central_claim():
    doc = read_microtext(DATA / "micro_ours.xml")
    assert len(doc.units) == 5  # two EDUs joined into one ADU
    text = {u.id: doc.text[u.start : u.end] for u in doc.units}
    (central,) = [u for u in doc.units if u.role == "major_claim"]
    assert text[central.id] == "The town should run a night bus on weekends."
    assert text["u2"] == "Taxis are scarce after midnight, and walking home along the ring road is dangerous."
    rel = {(text[r.source][:12], text[r.target][:12], r.type) for r in doc.relations}
    assert ("Of course, a", "The town sho", "attack") in rel  # rebuttal
    assert ("But the bars", "Of course, a", "attack") in rel  # undercut: linked to the attacked edge's source
    assert ("as long as t", "But the bars", "attack") in rel  # linked premise: to the source of the edge it adds to


def test_microtext_reader_rejects_a_graph_without_one_central_claim(tmp_path):
    bad = (DATA / "micro_ours.xml").read_text().replace('<edge id="c7" src="a2" trg="a1" type="sup"/>', "")
    (tmp_path / "bad.xml").write_text(bad, encoding="utf-8")
    with pytest.raises(FormatError, match="exactly one ADU with no outgoing edge"):
        read_microtext(tmp_path / "bad.xml")


@pytest.mark.skipif(not (SHARED / "external" / "arg-microtexts" / "en").is_dir(), reason="../shared microtexts absent")
def test_microtext_corpus_reads_whole():
    docs = read_microtext_dir(SHARED / "external" / "arg-microtexts" / "en")
    assert len(docs) == 112
    assert sum(len(d.units) for d in docs) == 576
    assert all(sum(u.role == "major_claim" for u in d.units) == 1 for d in docs)
