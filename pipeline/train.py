"""Fine-tuning: a LoRA adapter and classification head on the pinned MiniLM encoder.

Epochs, learning rate and adapter rank are chosen on ``dev`` only; the temperature that calibrates
the shipped probabilities is fitted on ``dev`` too. The test split is never read here.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from . import classify
from .classify import ADAPTER_FILE, BASE_PACKAGE, BASE_SHA256, CARD_FILE, QuoteClassifier, torch
from .document import OBSTACLE_LABELS

# every linear layer inside the encoder blocks; the pooler and classifier are trained in full
TARGET_MODULES = r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)"


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 6  # the best epoch on dev is kept
    lr: float = 5e-4
    batch_size: int = 16
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    weight_decay: float = 0.01
    warmup: float = 0.1  # share of steps with a rising learning rate
    max_length: int = 160
    seed: int = 13
    pooling: str = "cls"  # what the head reads (classify.POOLINGS): the [CLS] pooler, or a mean of token states
    probe_init: bool = False  # start the head from a linear probe on the frozen encoder (LP-FT)


# the dev-only search `argmine train obstacles --search` runs: learning rate at rank 8, and rank 16
# at the middle rate (a first search over 3e-4/1e-3 x 8/16 on the first batch put the best at 1e-3, r=8)
SEARCH = [{"lr": lr, "lora_r": 8, "lora_alpha": 16} for lr in (5e-4, 1e-3, 2e-3)] + [{"lr": 1e-3, "lora_r": 16, "lora_alpha": 32}]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def make_model(config: TrainConfig, labels=OBSTACLE_LABELS, base: Path | None = None):
    from peft import LoraConfig, TaskType, get_peft_model

    model = classify.build_classifier(labels, base, config.pooling)
    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules=TARGET_MODULES, modules_to_save=["classifier", "pooler"] if config.pooling == "cls" else ["classifier"],
    )
    return get_peft_model(model, lora)


def dev_score(history: list[dict]) -> float:
    """The best fine-tuning epoch's dev macro-F1 (epoch 0, the linear probe, is not a candidate)."""
    return max(h["dev_macro_f1"] for h in history if h["epoch"] > 0)


PROBE_C = (0.1, 1.0, 10.0)  # inverse L2 strengths the linear probe tries, chosen on dev


def probe_head(model, x_train: list[list[int]], y_train: list[int], x_dev: list[list[int]], y_dev: np.ndarray, pad: int,
               device, pooling: str, class_weights: list[float] | None = None) -> dict:
    """Linear probing before fine-tuning (LP-FT, Kumar et al. 2022): fit a logistic regression on
    the frozen encoder's pooled features, keep the L2 strength that scores best on dev, and start
    the head from it, so that early fine-tuning steps do not distort the pretrained features to
    suit a random head. Called before any training step, while every LoRA update is still zero."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    if len(set(y_train)) < 2:
        raise ValueError(f"--probe-init needs training examples of at least two labels; found only {sorted(set(y_train))}")
    encoder = model.get_base_model().bert
    sep_id = getattr(model.get_base_model().config, "sep_token_id", None)
    was_training = model.training
    model.eval()
    f_train, f_dev = (classify.pooled_features(encoder, ids, pad, device, pooling, sep_id, 4096, 64) for ids in (x_train, x_dev))
    model.train(was_training)
    weight = dict(enumerate(class_weights)) if class_weights else None
    tried = []
    for c in PROBE_C:
        clf = LogisticRegression(C=c, max_iter=5000, class_weight=weight).fit(f_train, y_train)
        tried.append((float(f1_score(y_dev, clf.predict(f_dev), average="macro", zero_division=0)), c, clf))
    f1, c, clf = max(tried, key=lambda t: t[0])
    rows, biases = clf.coef_, clf.intercept_
    if len(clf.classes_) == 2:  # scikit-learn keeps one row for two classes: split it into the two logits
        rows, biases = np.vstack([-rows / 2, rows / 2]), np.concatenate([-biases / 2, biases / 2])
    # a label with no training example (a brat corpus has no `none` units) reads nothing and starts
    # least likely: its bias sits log(n) below the lowest fitted one, as for a count smoothed to one in n
    n_labels = model.get_base_model().config.num_labels
    coef = np.zeros((n_labels, rows.shape[1]))
    intercept = np.full(n_labels, biases.min() - math.log(len(y_train)))
    coef[clf.classes_], intercept[clf.classes_] = rows, biases
    head = {n: p for n, p in model.named_parameters() if "classifier.modules_to_save" in n}
    for name, p in head.items():
        p.data.copy_(torch.as_tensor(coef if name.endswith("weight") else intercept, dtype=p.dtype))
    return {"epoch": 0, "linear_probe_C": c, "dev_macro_f1": round(f1, 4), "tried": {str(t[1]): round(t[0], 4) for t in tried}}


def _batches(ids: list[list[int]], labels: list[int], batch_size: int, pad: int, rng: random.Random | None):
    order = list(range(len(ids)))
    if rng is not None:
        rng.shuffle(order)
    for k in range(0, len(order), batch_size):
        chunk = order[k : k + batch_size]
        x, m = classify.pad_batch([ids[i] for i in chunk], pad)
        yield x, m, torch.tensor([labels[i] for i in chunk])


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising negative log-likelihood on held-out logits."""
    from scipy.optimize import minimize_scalar

    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels)

    def nll(log_t: float) -> float:
        return float(torch.nn.functional.cross_entropy(z / math.exp(log_t), y))

    best = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(math.exp(best.x))


def fit(
    x_train: list[list[int]], y_train: list[int], dev_texts: list[str], dev_contexts: list[str | None] | None, y_dev: list[int],
    labels: tuple[str, ...], config: TrainConfig, base: Path | None = None, progress: bool = True, device: str = "auto",
    class_weights: list[float] | None = None, tokenizer=None,
):
    """Fine-tune a LoRA adapter and head on token ids ``x_train``; after each epoch score dev with
    macro-F1 and keep the best epoch. Returns (peft model at that epoch, history, best epoch, dev logits)."""
    from sklearn.metrics import f1_score
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    seed_everything(config.seed)
    dev_ = classify.pick_device(device)
    tokenizer = tokenizer or classify.load_tokenizer(base)
    model = make_model(config, labels=labels, base=base).to(dev_)
    scorer = QuoteClassifier(model, tokenizer, labels, device=dev_, max_length=config.max_length)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(x_train) / config.batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(config.warmup * steps), steps)
    weight = torch.tensor(class_weights, dtype=torch.float32, device=dev_) if class_weights else None
    rng = random.Random(config.seed)
    history, best = [], None
    y_dev = np.asarray(y_dev)
    if config.probe_init:
        history.append(probe_head(model, x_train, y_train, scorer.tokenize(dev_texts, dev_contexts), y_dev, tokenizer.pad_token_id, dev_, config.pooling, class_weights))
    bar = tqdm(total=steps, disable=not progress, desc=f"lr={config.lr:g} r={config.lora_r}", unit="step")
    for epoch in range(1, config.epochs + 1):
        model.train()
        losses = []
        for x, m, y in _batches(x_train, y_train, config.batch_size, tokenizer.pad_token_id, rng):
            logits = model(input_ids=x.to(dev_), attention_mask=m.to(dev_)).logits
            loss = torch.nn.functional.cross_entropy(logits, y.to(dev_), weight=weight)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{np.mean(losses[-20:]):.3f}")
        model.eval()
        logits = scorer.logits(dev_texts, dev_contexts)
        f1 = float(f1_score(y_dev, logits.argmax(1), average="macro", zero_division=0))
        history.append({"epoch": epoch, "train_loss": round(float(np.mean(losses)), 4), "dev_macro_f1": round(f1, 4)})
        if best is None or f1 > best[0]:
            state = {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k or "modules_to_save" in k}
            best = (f1, epoch, state, logits)
    bar.close()
    model.load_state_dict(best[2], strict=False)
    return model, history, best[1], best[3]


def train_once(train: list[dict], dev: list[dict], config: TrainConfig, base: Path | None = None, progress: bool = True, device: str = "auto"):
    """Train one obstacle configuration; returns (peft model at its best dev epoch, history, best epoch, dev logits)."""
    tokenizer = classify.load_tokenizer(base)
    label_id = {l: i for i, l in enumerate(OBSTACLE_LABELS)}
    # every passage alone with its own label; passages written with an introducing sentence also
    # as a (passage, intro) pair with the label the quotation has in that context
    texts = [r["text"] for r in train] + [r["text"] for r in train if r.get("intro")]
    contexts = [None] * len(train) + [r["intro"] for r in train if r.get("intro")]
    x_train = classify.encode(tokenizer, texts, contexts, config.max_length)
    y_train = [label_id[r["label"]] for r in train] + [label_id[r["label_in_context"]] for r in train if r.get("intro")]
    y_dev = [label_id[r["label"]] for r in dev]
    return fit(x_train, y_train, [r["text"] for r in dev], None, y_dev, OBSTACLE_LABELS, config, base, progress, device, tokenizer=tokenizer)


def _device_name(device: str) -> str:
    dev = classify.pick_device(device)
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    import platform

    return f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"


def save_adapter(model, out: Path, task: str, labels, temperature: float, max_length: int, base: Path | None, pooling: str = "cls") -> dict:
    """Write the peft adapter and head to ``out`` (safetensors only) and return its card fields."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    for extra in out.glob("*.bin"):
        extra.unlink()
    return adapter_fields(out, task, labels, temperature, max_length, base, pooling)


def adapter_fields(out: Path, task: str, labels, temperature: float, max_length: int, base: Path | None, pooling: str = "cls") -> dict:
    """The card fields every argmine model shares, for the adapter written in ``out``: what it is,
    what it sits on, and the digests that pin both."""
    return {
        "name": out.name,
        "task": task,
        "labels": list(labels),
        "base": BASE_PACKAGE,
        "base_sha256": BASE_SHA256 if base is None else None,
        "adapter_sha256": classify.sha256_file(out / ADAPTER_FILE),
        "temperature": round(temperature, 4),
        "max_length": max_length,
        "pooling": pooling,
    }


def _provenance(device: str) -> dict:
    import peft
    import transformers

    return {"device": _device_name(device),
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__}}


def soup_adapters(members: list[Path], out: Path, rank: int | None = None) -> dict:
    """Average LoRA adapters trained from the same base on the same task (a uniform "model soup",
    Wortsman et al. 2022): each layer's update is the mean of the members' merged updates
    ``scale * B @ A``, factored back to ``rank`` (default: the members' rank) by a truncated SVD;
    the fully trained modules (pooler, head) are averaged. The result is an adapter of the usual
    size and format, so inference costs what one member costs. Returns the rank and the largest
    share of an update's squared norm that the truncation dropped."""
    from safetensors.torch import load_file, save_file

    if len(members) < 2:
        raise ValueError(f"a soup needs at least two adapters; got {len(members)}")
    configs = [json.loads((Path(m) / "adapter_config.json").read_text(encoding="utf-8")) for m in members]
    states = [load_file(str(Path(m) / ADAPTER_FILE)) for m in members]
    shapes = [{k: tuple(v.shape) for k, v in s.items() if "lora_" not in k} for s in states]
    if any(c["target_modules"] != configs[0]["target_modules"] for c in configs) or any(s != shapes[0] for s in shapes):
        raise ValueError(f"{[str(m) for m in members]}: adapters differ in their target modules or head; a soup needs the same architecture")
    rank = rank or configs[0]["r"]
    soup, dropped = {}, []
    for key in states[0]:
        if "lora_B" in key:
            continue
        if "lora_A" not in key:
            soup[key] = torch.stack([s[key].double() for s in states]).mean(0).float()
            continue
        b_key = key.replace("lora_A", "lora_B")
        update = sum(c["lora_alpha"] / c["r"] * (s[b_key].double() @ s[key].double()) for c, s in zip(configs, states)) / len(states)
        u, sv, vh = torch.linalg.svd(update, full_matrices=False)
        root = sv[:rank].sqrt()
        soup[b_key] = (u[:, :rank] * root).float().contiguous()
        soup[key] = (root[:, None] * vh[:rank]).float().contiguous()
        total = float((sv**2).sum())
        dropped.append(float((sv[rank:] ** 2).sum()) / total if total else 0.0)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(soup, str(out / ADAPTER_FILE), metadata={"format": "pt"})
    config = {**configs[0], "r": rank, "lora_alpha": rank}  # the scale (alpha / r = 1) is folded into the factors
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return {"members": len(members), "rank": rank, "max_dropped_share": round(max(dropped), 4)}


def train_obstacles(
    data: Path, out: Path, config: TrainConfig = TrainConfig(), search: bool = False, progress: bool = True,
    base: Path | None = None, device: str = "auto", seeds: list[int] | None = None, members: Path | None = None,
) -> dict:
    """Fine-tune the obstacle classifier on ``data`` (the corpus folder or a passages file) and
    write the adapter, head, temperature and a card to ``out``. With two or more ``seeds``, one
    adapter is trained per seed and the shipped one is their soup (`soup_adapters`); its
    temperature is fitted on the soup's own dev logits; ``members`` keeps each seed's adapter there
    (as ``seed-S/``) instead of discarding it. Returns what ``argmine.json`` holds."""
    from sklearn.metrics import f1_score

    from .dataset import data_hash, load_records

    seeds = list(seeds or [config.seed])
    if search and len(seeds) > 1:
        raise ValueError("--search chooses settings with one seed; search first, then train the chosen settings with --seeds")
    records = load_records(data)
    train = [r for r in records if r["split"] == "train"]
    dev = [r for r in records if r["split"] == "dev"]
    if not train or not dev:
        raise ValueError(f"{data}: needs train and dev records; found {len(train)} train and {len(dev)} dev")
    base_path = base or classify.base_model_path()
    started = time.time()
    label_id = {l: i for i, l in enumerate(OBSTACLE_LABELS)}
    y_dev = np.array([label_id[r["label"]] for r in dev])
    out = Path(out)
    trials, soup = [], None
    if len(seeds) > 1:
        import tempfile

        chosen = replace(config, seed=seeds[0])
        with tempfile.TemporaryDirectory() as scratch:
            tmp = members or scratch
            for s in seeds:
                model, history, epoch, _ = train_once(train, dev, replace(config, seed=s), base_path, progress, device)
                model.save_pretrained(str(Path(tmp) / f"seed-{s}"), safe_serialization=True)
                trials.append({"seed": s, "best_epoch": epoch, "dev_macro_f1": dev_score(history), "history": history})
            soup = soup_adapters([Path(tmp) / f"seed-{s}" for s in seeds], out)
        fields = adapter_fields(out, "obstacles", OBSTACLE_LABELS, 1.0, chosen.max_length, base, chosen.pooling)
        (out / CARD_FILE).write_text(json.dumps(fields) + "\n", encoding="utf-8")
        scorer = QuoteClassifier.load(out, device=device, base=base)
        dev_logits = scorer.logits([r["text"] for r in dev])
        f1 = round(float(f1_score(y_dev, dev_logits.argmax(1), average="macro", zero_division=0)), 4)
        epoch, history = [t["best_epoch"] for t in trials], None
        fields["temperature"] = round(fit_temperature(dev_logits, y_dev), 4)
    else:
        candidates = [replace(config, **c) for c in SEARCH] if search else [config]
        best = None
        for cand in candidates:
            model, history, epoch, dev_logits = train_once(train, dev, cand, base_path, progress, device)
            f1 = dev_score(history)
            trials.append({"config": asdict(cand), "best_epoch": epoch, "dev_macro_f1": f1, "history": history})
            if best is None or f1 > best[0]:
                best = (f1, cand, epoch, model, dev_logits, history)
        f1, chosen, epoch, model, dev_logits, history = best
        fields = save_adapter(model, out, "obstacles", OBSTACLE_LABELS, fit_temperature(dev_logits, y_dev), chosen.max_length, base, chosen.pooling)
    card = {
        **fields,
        "uses_context": any(r.get("intro") for r in train),
        "config": asdict(chosen),
        "best_epoch": epoch,
        "selected_on": "dev macro-F1",
        "dev_macro_f1": f1,
        "dev_macro_f1_check": round(float(f1_score(y_dev, dev_logits.argmax(1), average="macro")), 4),
        "history": history,
        "search": trials if search else None,
        "soup": None if soup is None else {**soup, "seeds": seeds, "runs": trials},
        "data": str(data),
        "data_sha256": data_hash(train + dev),
        "n_train": len(train),
        "n_dev": len(dev),
        "train_seconds": round(time.time() - started, 1),
        **_provenance(device),
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def _role_examples(docs, chars: int):
    from .components import unit_inputs
    from .document import ROLES

    texts, contexts, labels = [], [], []
    for doc in docs:
        t, c = unit_inputs(doc, chars=chars)
        texts += t
        contexts += c
        labels += [ROLES.index(u.role) for u in doc.units]
    return texts, contexts, labels


def fit_decoding(model_dir: Path, dev_docs: list, base: Path | None = None, device: str = "auto") -> dict:
    """Choose the one-claim-per-paragraph floor on dev for the model in ``model_dir``."""
    from .components import ComponentModel, fit_claim_floor
    from .structure_eval import blank_copy

    model = ComponentModel.load(model_dir, device=device, base=base)
    probs = model.role_probs([blank_copy(d, keep_units=True) for d in dev_docs])
    floor, sweep = fit_claim_floor(dev_docs, probs)
    return {"claim_floor": floor, "chosen_on": "dev macro-F1 over unit roles", "sweep": sweep}


# the dev-only grid `argmine train components --search` runs: learning rate, and how much of the
# paragraph around a unit the model reads (a first grid over rank 8/16 x 5e-4/1e-3/2e-3 with a
# 220-character window put every setting within 0.03 dev macro-F1 of the best, 1e-3 at rank 8)
COMPONENT_SEARCH = [{"lr": lr, "context_chars": chars, "max_length": length}
                    for chars, length in ((220, 192), (400, 288)) for lr in (5e-4, 1e-3)]


def train_components(
    train_docs: list, dev_docs: list, out: Path, config: TrainConfig = TrainConfig(), progress: bool = True,
    base: Path | None = None, device: str = "auto", data: str = "", search: bool = False, context_chars: int = 220,
) -> dict:
    """Fine-tune the unit-role model on gold documents (units with roles) and fit the link scorer
    on their relations; write the adapter, head, temperature, ``links.json`` and a card to ``out``."""
    from sklearn.metrics import f1_score

    from .components import fit_links, save_links
    from .dataset import data_hash
    from .document import ROLES

    if not train_docs or not dev_docs:
        raise ValueError(f"needs train and dev documents; found {len(train_docs)} train and {len(dev_docs)} dev")
    started = time.time()
    base_path = base or classify.base_model_path()
    tokenizer = classify.load_tokenizer(base_path)
    trials, best = [], None
    grid = COMPONENT_SEARCH if search else [{"context_chars": context_chars}]
    for setting in grid:
        chars = setting.get("context_chars", context_chars)
        cand = replace(config, **{k: v for k, v in setting.items() if k != "context_chars"})
        texts, contexts, y_train = _role_examples(train_docs, chars)
        dev_texts, dev_contexts, y_dev = _role_examples(dev_docs, chars)
        counts = np.bincount(y_train, minlength=len(ROLES)).astype(float)
        weights = np.sqrt(counts.sum() / np.maximum(counts, 1.0))  # rarer roles (the major claim) weigh more
        weights = (weights / weights.mean()).tolist()
        x_train = classify.encode(tokenizer, texts, contexts, cand.max_length)
        model, history, epoch, dev_logits = fit(x_train, y_train, dev_texts, dev_contexts, y_dev, ROLES, cand, base_path, progress,
                                                device, class_weights=weights, tokenizer=tokenizer)
        f1 = dev_score(history)
        trials.append({"config": {**asdict(cand), "context_chars": chars}, "best_epoch": epoch, "dev_macro_f1": f1, "history": history})
        if best is None or f1 > best[0]:
            best = (f1, cand, chars, model, history, epoch, dev_logits, weights, y_train, y_dev)
    _, config, context_chars, model, history, epoch, dev_logits, weights, y_train, y_dev = best
    temperature = fit_temperature(dev_logits, np.array(y_dev))
    out = Path(out)
    adapter_fields = save_adapter(model, out, "components", ROLES, temperature, config.max_length, base, config.pooling)
    link_weights = fit_links(train_docs)
    save_links(link_weights, out, {"fitted_on": f"{len(train_docs)} gold documents ({data or 'given'})"})
    records = [{"id": d.id, "text": d.text, "label": [(u.start, u.end, u.role) for u in d.units], "split": split}
               for split, docs in (("train", train_docs), ("dev", dev_docs)) for d in docs]
    card = {
        **adapter_fields,
        "uses_context": True,
        "context_chars": context_chars,
        "context": f"the unit's paragraph and place in it, the section heading, and up to {context_chars} characters before and after it",
        "class_weights": dict(zip(ROLES, [round(w, 4) for w in weights])),
        "config": asdict(config),
        "best_epoch": epoch,
        "selected_on": "dev macro-F1 over unit roles",
        "dev_macro_f1": dev_score(history),
        "dev_macro_f1_check": round(float(f1_score(y_dev, dev_logits.argmax(1), average="macro")), 4),
        "history": history,
        "data": data,
        "data_sha256": data_hash(records),
        "n_train_documents": len(train_docs),
        "n_dev_documents": len(dev_docs),
        "n_train_units": len(y_train),
        "n_dev_units": len(y_dev),
        "train_seconds": round(time.time() - started, 1),
        **_provenance(device),
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    card["decoding"] = fit_decoding(out, dev_docs, base=base, device=device)
    if search:
        record = {"about": f"Learning rate and rank chosen on dev macro-F1 over unit roles ({_device_name(device)}).", "trials": trials}
        (out / "search.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card
