import json

from pipeline.classify import QuoteClassifier, sha256_file
from pipeline.train import TrainConfig, soup_adapters, train_obstacles


def test_train_smoke_writes_a_loadable_adapter(tiny_model, tiny_base):
    card = json.loads((tiny_model / "argmine.json").read_text())
    assert card["labels"] == ["information_problem", "issue_indivisibility", "commitment_problem", "none"]
    assert card["adapter_sha256"] == sha256_file(tiny_model / "adapter_model.safetensors")
    assert card["temperature"] > 0 and card["best_epoch"] == 1
    assert not list(tiny_model.glob("*.bin"))
    clf = QuoteClassifier.load(tiny_model, device="cpu", base=tiny_base)
    assert len(clf.predict(["The ceasefire will not hold."])) == 1


def test_train_is_deterministic_under_a_seed(tiny_model, tiny_base, tiny_corpus, tmp_path):
    again = tmp_path / "again"
    train_obstacles(tiny_corpus, again, TrainConfig(epochs=1, batch_size=8, max_length=64, lora_r=4, lora_alpha=8),
                    progress=False, base=tiny_base, device="cpu")
    assert sha256_file(again / "adapter_model.safetensors") == sha256_file(tiny_model / "adapter_model.safetensors")


def _card_for(folder, like):
    """A soup folder's argmine.json: the member's card with the soup's digest."""
    card = json.loads((like / "argmine.json").read_text())
    card["adapter_sha256"] = sha256_file(folder / "adapter_model.safetensors")
    (folder / "argmine.json").write_text(json.dumps(card))


def _merged_linear_weights(folder, base):
    from pipeline.classify import load_adapted

    model, _ = load_adapted(folder, merge=True, base=base)
    return {k: v for k, v in model.state_dict().items() if k.endswith(".weight")}


def test_a_soup_of_one_adapter_with_itself_predicts_like_it(tiny_model, tiny_base, tmp_path):
    import numpy as np

    soup = tmp_path / "soup"
    info = soup_adapters([tiny_model, tiny_model], soup)
    assert info["rank"] == 4 and info["max_dropped_share"] < 1e-6  # the mean of two equal rank-4 updates is rank 4
    _card_for(soup, tiny_model)
    texts = ["The ceasefire will not hold.", "Neither side knows what the other can field, so both fight on to find out."]
    a = QuoteClassifier.load(tiny_model, device="cpu", base=tiny_base).logits(texts)
    b = QuoteClassifier.load(soup, device="cpu", base=tiny_base).logits(texts)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_a_full_rank_soup_is_the_mean_of_its_members(tiny_model, tiny_base, tiny_corpus, tmp_path):
    import torch

    other = tmp_path / "seed14"
    train_obstacles(tiny_corpus, other, TrainConfig(epochs=1, batch_size=8, max_length=64, lora_r=4, lora_alpha=8, seed=14),
                    progress=False, base=tiny_base, device="cpu")
    soup = tmp_path / "soup"
    assert soup_adapters([tiny_model, other], soup, rank=8)["max_dropped_share"] < 1e-6
    _card_for(soup, tiny_model)
    a, b, s = (_merged_linear_weights(f, tiny_base) for f in (tiny_model, other, soup))
    changed = [k for k in s if not torch.equal(a[k], b[k])]
    assert any("encoder.layer" in k for k in changed) and any("classifier" in k for k in changed)
    for k in changed:
        torch.testing.assert_close(s[k], (a[k] + b[k]) / 2, atol=1e-5, rtol=1e-4)


def test_training_with_seeds_ships_their_soup(tiny_base, tiny_corpus, tmp_path):
    out = tmp_path / "soup"
    card = train_obstacles(tiny_corpus, out, TrainConfig(epochs=1, batch_size=8, max_length=64, lora_r=4, lora_alpha=8),
                           progress=False, base=tiny_base, device="cpu", seeds=[13, 14], members=tmp_path / "members")
    assert card["soup"]["seeds"] == [13, 14] and [r["seed"] for r in card["soup"]["runs"]] == [13, 14]
    assert sorted(p.name for p in (tmp_path / "members").iterdir()) == ["seed-13", "seed-14"]
    assert card["best_epoch"] == [1, 1] and card["temperature"] > 0
    assert json.loads((out / "adapter_config.json").read_text())["r"] == 4  # the members' rank: the size of one adapter
    assert len(QuoteClassifier.load(out, device="cpu", base=tiny_base).predict(["The ceasefire will not hold."])) == 1


def test_a_soup_refuses_a_single_adapter_or_mismatched_ones(tiny_model, tmp_path):
    import pytest

    with pytest.raises(ValueError, match="at least two"):
        soup_adapters([tiny_model], tmp_path / "one")
    wide = tmp_path / "wide"
    wide.mkdir()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        (wide / name).write_bytes((tiny_model / name).read_bytes())
    config = json.loads((wide / "adapter_config.json").read_text())
    config["target_modules"] = ".*query"
    (wide / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="same architecture"):
        soup_adapters([tiny_model, wide], tmp_path / "mixed")


def test_a_mean_pooled_lp_ft_model_loads_as_it_was_trained(tiny_base, tiny_corpus, tmp_path):
    """The card's pooling is honoured at load: the loaded model scores dev as training did."""
    from sklearn.metrics import f1_score

    from pipeline.dataset import load_records
    from pipeline.document import OBSTACLE_LABELS

    out = tmp_path / "mean"
    card = train_obstacles(tiny_corpus, out, TrainConfig(epochs=2, batch_size=8, max_length=64, lora_r=4, lora_alpha=8, pooling="mean", probe_init=True),
                           progress=False, base=tiny_base, device="cpu")
    assert card["pooling"] == "mean" and card["history"][0]["epoch"] == 0 and "linear_probe_C" in card["history"][0]
    assert card["best_epoch"] in (1, 2)
    assert "pooler" not in json.loads((out / "adapter_config.json").read_text())["modules_to_save"]  # no [CLS] pooler to ship
    dev = [r for r in load_records(tiny_corpus) if r["split"] == "dev"]
    logits = QuoteClassifier.load(out, device="cpu", base=tiny_base).logits([r["text"] for r in dev])
    predicted = [OBSTACLE_LABELS[i] for i in logits.argmax(1)]
    assert round(f1_score([r["label"] for r in dev], predicted, average="macro"), 4) == card["dev_macro_f1"]


def test_the_linear_probe_is_the_head_fine_tuning_starts_from(tiny_base, tiny_corpus):
    """Before any step, the model's dev predictions are the probe's: the head holds the logistic
    regression fitted on the same pooled features the forward pass computes."""
    import numpy as np
    from sklearn.metrics import f1_score

    from pipeline import classify
    from pipeline.dataset import load_records
    from pipeline.document import OBSTACLE_LABELS
    from pipeline.train import make_model, probe_head

    records = load_records(tiny_corpus)
    tok = classify.load_tokenizer(tiny_base)
    x = {s: classify.encode(tok, [r["text"] for r in records if r["split"] == s], None, 64) for s in ("train", "dev")}
    y = {s: np.array([OBSTACLE_LABELS.index(r["label"]) for r in records if r["split"] == s]) for s in ("train", "dev")}
    for pooling in ("mean", "first", "cls"):
        model = make_model(TrainConfig(lora_r=4, lora_alpha=8, pooling=pooling), base=tiny_base)
        probe = probe_head(model, x["train"], y["train"].tolist(), x["dev"], y["dev"], tok.pad_token_id, "cpu", pooling)
        model.eval()
        logits = QuoteClassifier(model, tok, OBSTACLE_LABELS, max_length=64).logits([r["text"] for r in records if r["split"] == "dev"])
        assert round(f1_score(y["dev"], logits.argmax(1), average="macro", zero_division=0), 4) == probe["dev_macro_f1"]


def test_an_unknown_pooling_is_refused():
    import pytest

    from pipeline.classify import build_classifier

    with pytest.raises(ValueError, match="pooling 'max'.*cls, mean"):
        build_classifier(pooling="max")


def test_a_label_missing_from_training_starts_least_likely_under_the_probe(tiny_base, tiny_corpus):
    """A corpus without one label (a brat corpus has no `none` units) still trains from a probe:
    that label's row reads nothing and its bias is the lowest."""
    import torch

    from pipeline import classify
    from pipeline.dataset import load_records
    from pipeline.document import OBSTACLE_LABELS
    from pipeline.train import make_model, probe_head

    records = [r for r in load_records(tiny_corpus) if r["label"] != "none"]
    tok = classify.load_tokenizer(tiny_base)
    x = {s: classify.encode(tok, [r["text"] for r in records if r["split"] == s], None, 64) for s in ("train", "dev")}
    y = {s: [OBSTACLE_LABELS.index(r["label"]) for r in records if r["split"] == s] for s in ("train", "dev")}
    model = make_model(TrainConfig(lora_r=4, lora_alpha=8, pooling="mean"), base=tiny_base)
    probe_head(model, x["train"], y["train"], x["dev"], y["dev"], tok.pad_token_id, "cpu", "mean")
    head = {n.rsplit(".", 1)[-1]: p.detach() for n, p in model.named_parameters() if "classifier.modules_to_save" in n}
    none = OBSTACLE_LABELS.index("none")
    assert torch.count_nonzero(head["weight"][none]) == 0 and torch.count_nonzero(head["weight"][:none]) > 0
    assert head["bias"][none] < head["bias"][:none].min()
