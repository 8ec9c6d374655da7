import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_2fa55b68fac4d5ee.txt"
SEED_GOLD = ROOT / "corpus" / "seed" / "000_2fa55b68fac4d5ee.gold.json"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def annotator():
    from pipeline.annotate import Annotator

    return Annotator()


@pytest.fixture(scope="session")
def seed_doc(annotator):
    return annotator(str(SEED))


@pytest.fixture(scope="session")
def seed_gold():
    return json.loads(SEED_GOLD.read_text(encoding="utf-8"))


@pytest.fixture
def annotate_text(tmp_path, annotator):
    """Annotate a hand-written text as a .txt file."""

    def run(text: str, name: str = "doc.txt"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return annotator(str(path))

    return run


def quote_texts(doc):
    return [doc.text[q.start : q.end] for q in doc.quotes]


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A tiny random-init BERT saved like the pinned base (config, safetensors, tokenizer): fast
    stand-in for training and loading tests."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from pipeline.classify import base_model_path

    path = tmp_path_factory.mktemp("tiny-base")
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    import torch
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(path), safe_serialization=True)
    tokenizer.save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """Forty-odd corpus passages (train and dev) as a JSONL file."""
    from pipeline.dataset import load_records, write_jsonl

    records = load_records()
    pick = [r for r in records if r["split"] == "train"][:32] + [r for r in records if r["split"] == "dev"][:12]
    path = tmp_path_factory.mktemp("tiny-corpus") / "passages.jsonl"
    write_jsonl(path, pick)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_base, tiny_corpus):
    from pipeline.train import TrainConfig, train_obstacles

    out = tmp_path_factory.mktemp("tiny-model") / "obstacles"
    train_obstacles(tiny_corpus, out, TrainConfig(epochs=1, batch_size=8, max_length=64, lora_r=4, lora_alpha=8),
                    progress=False, base=tiny_base, device="cpu")
    return out
