"""The component model's inputs, decoding and links; a training smoke test on a tiny encoder."""

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline import essays
from pipeline.components import (FEATURES, ComponentModel, decode_roles, fit_links, link_pairs, load_links, predict_links,
                                 save_links, unit_inputs)
from pipeline.document import ROLES

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def tiny_essay():
    return essays.compile_essay(DATA / "essay_tiny.md")


def test_unit_inputs_carry_place_and_the_markers_outside_the_unit(tiny_essay):
    texts, contexts = unit_inputs(tiny_essay)
    assert len(texts) == len(contexts) == len(tiny_essay.units)
    i = texts.index("the truce should be extended for another year")
    assert contexts[i].startswith("first paragraph, last unit")
    assert "I believe that" in contexts[i]  # the stance marker sits outside the unit
    j = texts.index("a longer truce lets both sides rearm")
    assert "Admittedly" in contexts[j]
    assert texts[-1] == "the truce deserves another year" and contexts[-1].startswith("last paragraph, only unit")


def test_decoding_gives_every_document_a_major_claim():
    probs = np.array([[0.1, 0.5, 0.3, 0.1], [0.3, 0.1, 0.5, 0.1], [0.2, 0.2, 0.5, 0.1]])
    roles = [r for r, _ in decode_roles(probs)]
    assert roles == ["claim", "major_claim", "premise"]  # no unit won major_claim: the likeliest takes it
    probs[2] = [0.6, 0.1, 0.2, 0.1]
    probs[0] = [0.7, 0.1, 0.1, 0.1]
    assert [r for r, _ in decode_roles(probs)].count("major_claim") == 2
    single = [r for r, _ in decode_roles(probs, single_major=True)]
    assert single.count("major_claim") == 1 and single[0] == "major_claim" and single[2] == "premise"


def test_naive_link_baselines_differ_as_defined(tiny_essay):
    nearest = {r.source: r.target for r in predict_links(tiny_essay, method="nearest")}
    first = {r.source: r.target for r in predict_links(tiny_essay, method="paragraph_first")}
    text = {u.id: tiny_essay.text[u.start : u.end] for u in tiny_essay.units}
    claims = {u.id for u in tiny_essay.units if u.role in ("claim", "major_claim")}
    assert set(nearest.values()) <= claims and set(first.values()) <= claims
    # every claim goes to the first major claim under every method
    assert text[nearest["u3"]] == text[first["u3"]] == "the truce should be extended for another year"
    # the conceded claim is attacked by the premise that answers it
    rel = {(r.source, r.target): r.type for r in predict_links(tiny_essay, method="nearest")}
    assert rel[("u8", "u7")] == "attack" and rel[("u7", "u2")] == "attack"


def test_link_scorer_learns_from_gold_and_round_trips(tmp_path, tiny_essay):
    docs = essays.load()[:20]
    weights = fit_links(docs)
    assert weights.shape == (len(FEATURES),)
    save_links(weights, tmp_path)
    assert np.allclose(load_links(tmp_path), weights, atol=1e-6)
    x, pairs = link_pairs(tiny_essay)
    assert x.shape == (len(pairs), len(FEATURES))
    predicted = {(r.source, r.target) for r in predict_links(tiny_essay, weights)}
    gold = {(r.source, r.target) for r in tiny_essay.relations if r.source.startswith("u")}
    assert len(predicted & gold) >= len(gold) // 2
    body = json.loads((tmp_path / "links.json").read_text())
    del body["weights"]["adjacent"]
    (tmp_path / "links.json").write_text(json.dumps(body))
    with pytest.raises(Exception, match="adjacent"):
        load_links(tmp_path)


@pytest.mark.parametrize("pooling, probe_init", [("cls", False), ("first", True)])
def test_train_components_smoke_writes_a_loadable_model(tmp_path, tiny_base, pooling, probe_init):
    from pipeline.classify import sha256_file
    from pipeline.train import TrainConfig, train_components

    docs = essays.load()
    train = [d for d in docs if d.meta["genre"] == "short"][:12]
    dev = [d for d in docs if d.meta["genre"] == "short"][12:16]
    out = tmp_path / "components"
    config = TrainConfig(epochs=1, batch_size=8, max_length=96, lora_r=4, lora_alpha=8, pooling=pooling, probe_init=probe_init)
    card = train_components(train, dev, out, config, progress=False, base=tiny_base, device="cpu")
    assert card["labels"] == list(ROLES) and card["task"] == "components" and card["pooling"] == pooling
    assert card["adapter_sha256"] == sha256_file(out / "adapter_model.safetensors")
    assert (out / "links.json").is_file()
    model = ComponentModel.load(out, device="cpu", base=tiny_base)
    doc = essays.compile_essay(DATA / "essay_tiny.md")
    model.label([doc])
    assert sum(u.role == "major_claim" for u in doc.units) >= 1
    assert all(0.0 <= u.confidence <= 1.0 for u in doc.units)
    ids = {u.id for u in doc.units}
    assert all(r.source in ids | {q.id for q in doc.quotes} and r.target in ids for r in doc.relations)


def test_train_components_from_a_brat_folder(tmp_path, tiny_base):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.interchange import write_brat

    for doc in [d for d in essays.load(split="train") if d.meta["genre"] == "short"][:20]:
        write_brat(doc, tmp_path / "brat")
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "components", "--brat", str(tmp_path / "brat"), "--out", str(out), "--epochs", "1",
                                      "--lora-r", "4", "--max-length", "96", "--device", "cpu", "--base", str(tiny_base)])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "argmine.json").read_text())
    assert card["n_train_documents"] == 18 and card["n_dev_documents"] == 2 and card["data"] == str(tmp_path / "brat")
