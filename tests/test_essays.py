"""The gold essays: markup compiles to documents whose spans are exactly the marked text."""

import json
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline import essays
from pipeline.document import validate
from pipeline.essays import MarkupError, compile_essay, plain_text

TINY = Path(__file__).parent / "data" / "essay_tiny.md"
ESSAYS = ROOT / "corpus" / "essays"


def spans(doc):
    return {u.id: (u.role, doc.text[u.start : u.end]) for u in doc.units}


def test_markup_compiles_to_units_relations_and_quotes():
    doc = compile_essay(TINY)
    validate(doc.to_dict())
    got = spans(doc)
    assert got["u2"] == ("major_claim", "the truce should be extended for another year")
    assert got["u3"] == ("claim", "the truce has saved lives")
    assert got["u1"] == ("none", "Both armies have held their lines along the river since March")
    # markers and frames inside a sentence with units belong to no unit
    assert "I believe that" not in [t for _, t in got.values()]
    assert "As one monitor told reporters" not in [t for _, t in got.values()]
    rel = {(r.source, r.target, r.type) for r in doc.relations}
    assert ("u7", "u2", "attack") in rel and ("u8", "u7", "attack") in rel and ("u5", "u4", "support") in rel
    (q,) = doc.quotes
    assert doc.text[q.start : q.end] == "fragile, because nobody trusts the other side to stay put"
    assert q.unit_id == "u6" and q.obstacle.label == "commitment_problem"
    assert ("q1", "u6", "support") in rel


def test_a_unit_may_end_in_a_citation_marker(tmp_path):
    path = tmp_path / "cite.md"
    path.write_text("---\nid: cite\ntitle: Cite\n---\n[[MC1| talks failed [1]]]. [[P1>MC1| both sides rearmed]].\n", encoding="utf-8")
    got = spans(compile_essay(path))
    assert ("major_claim", "talks failed [1]") in got.values() and ("premise", "both sides rearmed") in got.values()


def test_gold_text_is_what_ingest_gives_the_plain_essay(tmp_path):
    from pipeline.ingest import ingest

    path = tmp_path / "tiny.md"
    path.write_text(plain_text(TINY), encoding="utf-8")
    assert ingest(str(path)).text == compile_essay(TINY).text


@pytest.mark.parametrize("body, message", [
    ("[[C1| a claim with no target]].", "needs a target"),
    ("[[MC1| thesis]]. [[C1>P1| a claim aimed at a premise]]. [[P1>MC1| x]].", "must target a major claim"),
    ("[[MC1| thesis]]. [[P1>C9| dangling]].", "targets C9"),
    ("[[MC1| thesis [[P1>MC1| nested]] ]].", "inside another unit"),
    ("[[MC1| thesis]]. He said {{none| “outside”}}.", "must sit inside a unit"),
    ("[[MC1| thesis]]. [[P1>MC1| open", "left open"),
    ("[[P1>P2| x]]. [[P2>P1| y]].", "no major claim"),
])
def test_markup_errors_name_the_file_and_the_problem(tmp_path, body, message):
    path = tmp_path / "bad.md"
    path.write_text(f"---\nid: bad\ntitle: Bad\n---\n{body}\n", encoding="utf-8")
    with pytest.raises(MarkupError, match=message) as err:
        compile_essay(path)
    assert "bad.md" in str(err.value)


def test_committed_gold_matches_the_sources(tmp_path):
    import shutil

    shutil.copytree(ESSAYS / "src", tmp_path / "src")
    if (ESSAYS / "seed").is_dir():
        shutil.copytree(ESSAYS / "seed", tmp_path / "seed")
    essays.build(tmp_path)
    built = sorted(p.name for p in (tmp_path / "gold").glob("*.json"))
    assert built == sorted(p.name for p in (ESSAYS / "gold").glob("*.json")), "run `argmine corpus essays`"
    for name in built:
        fresh = json.loads((tmp_path / "gold" / name).read_text())
        committed = json.loads((ESSAYS / "gold" / name).read_text())
        fresh["source"] = committed["source"] = None
        assert fresh == committed, f"gold/{name} is stale: run `argmine corpus essays`"


def test_corpus_size_splits_and_shape():
    docs = essays.load(ESSAYS)
    long = [d for d in docs if d.meta["genre"] not in ("short", "seed")]
    assert len(long) >= 30
    for d in long:
        words = len(d.text.split())
        assert 500 <= words <= 1600, (d.id, words)
        assert sum(u.role == "major_claim" for u in d.units) >= 1
    splits = json.loads((ESSAYS / "splits.json").read_text())
    ids = {d.id for d in docs}
    assert set(splits["dev"]) <= ids and set(splits["test"]) <= ids and not set(splits["dev"]) & set(splits["test"])
    assert {d.meta["split"] for d in docs} == {"train", "dev", "test"}


def test_second_annotation_covers_six_essays_and_agreement_is_reported():
    result = essays.agreement(ESSAYS)
    assert len(result["essays"]) >= 6
    assert result["n_units"] == sum(len(d.units) for d in essays.load(ESSAYS) if d.id in result["essays"])
    assert 0.0 < result["roles_cohen_kappa"] <= 1.0
