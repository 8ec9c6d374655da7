import json

from pipeline.classify import QuoteClassifier, sha256_file
from pipeline.train import TrainConfig, train_obstacles


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
