"""The ``argmine`` command line: each command is a thin shell over one function."""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")

import typer
from rich.console import Console

from .annotate import Annotator, Result, expand
from .ingest import MAX_BYTES

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Argument mining for essays about ending wars.")
err = Console(stderr=True, soft_wrap=True)


class Format(str, Enum):
    json = "json"
    jsonl = "jsonl"


@app.callback()
def main() -> None:
    """argmine: find argument units and quotations in essays, and the bargaining-model obstacle
    each quotation invokes."""


def write_results(results, out: Path | None, fmt: Format) -> tuple[list[Result], list[Result]]:
    """Write documents as they come: one ``<id>.json`` per document into the folder ``out``
    (json) or one line per document into the file ``out`` (jsonl); stdout without ``out``.
    Returns the documents written and the inputs that failed."""
    done: list[Result] = []
    failed: list[Result] = []
    stream = None
    if fmt is Format.jsonl:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
        stream = open(out, "w", encoding="utf-8") if out is not None else sys.stdout
    elif out is not None:
        out.mkdir(parents=True, exist_ok=True)
    try:
        for result in results:
            if result.error is not None:
                failed.append(result)
                err.print(f"[red]error[/red] {result.error}", highlight=False, soft_wrap=True)
                continue
            doc = result.document
            if stream is not None:
                stream.write(doc.to_json(indent=None) + "\n")
                stream.flush()
            elif out is not None:
                (out / f"{doc.id}.json").write_text(doc.to_json() + "\n", encoding="utf-8")
            else:
                sys.stdout.write(doc.to_json() + "\n")
            done.append(result)
    finally:
        if stream is not None and stream is not sys.stdout:
            stream.close()
    return done, failed


def print_summary(results: list[Result]) -> None:
    """A few lines per document for people: structure, units by role, quotations by kind."""
    def counts(counter: Counter, order=None) -> str:
        keys = order or [k for k, _ in counter.most_common()]
        return " · ".join(f"{k} {counter[k]}" for k in keys if counter[k]) or "none"

    for r in results:
        d = r.document
        byline = ", ".join(x for x in (d.author, d.date) if x)
        err.print(f"[bold]{d.id}[/bold]  {d.title or '(untitled)'}" + (f" — {byline}" if byline else ""), highlight=False)
        err.print(f"  sections {len(d.sections)} · paragraphs {len(d.paragraphs)} · sentences {len(d.sentences)} · footnotes {len(d.footnotes)}")
        err.print(f"  units     {counts(Counter(u.role for u in d.units), ['major_claim', 'claim', 'premise', 'none'])}")
        err.print(f"  quotes    {counts(Counter(q.kind for q in d.quotes), ['inline', 'block'])}")
        labels = Counter(q.obstacle.label for q in d.quotes if q.obstacle is not None)
        if labels:
            err.print(f"  obstacles {counts(labels)}")
        for w in d.meta.get("warnings", []):
            err.print(f"  [yellow]warning[/yellow] {w}")


class Roles(str, Enum):
    model = "model"
    baseline = "baseline"


def role_model_for(roles: Roles, components: Path | None, device: str, dtype: str):
    """The component model (shipped, or the folder given), or None for the rules baseline."""
    if roles is Roles.baseline:
        return None
    from .components import load_component_model

    found = load_component_model(components, device=device, required=components is not None, dtype=dtype)
    if found is None:
        err.print("[yellow]note[/yellow] no component model found; unit roles come from the rules baseline")
    return found


@app.command()
def annotate(
    paths: Annotated[list[str], typer.Argument(help="files or folders to annotate; '-' reads standard input")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="folder for json, file for jsonl; stdout if omitted")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="json: one file per document; jsonl: one line per document")] = Format.json,
    obstacles: Annotated[bool, typer.Option("--obstacles/--no-obstacles", help="classify quotations with the shipped obstacle model")] = True,
    model: Annotated[Path | None, typer.Option("--model", help="obstacle model folder (default: the shipped models/obstacles)")] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu or cuda")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto (bf16 on CUDA, fp32 on CPU), fp32, bf16, or int8 (CPU only)")] = "auto",
    abstain_below: Annotated[float, typer.Option("--abstain-below", help="mark quotations whose top obstacle score is below this for review")] = 0.0,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="largest input accepted, in bytes")] = MAX_BYTES,
    roles: Annotated[Roles, typer.Option(help="unit roles and links from the fine-tuned component model, or the rules baseline")] = Roles.model,
    components: Annotated[Path | None, typer.Option(help="component model folder (default: the shipped models/components)")] = None,
) -> None:
    """Annotate essays: sections, paragraphs, sentences, argument units and their links, quotations."""
    obstacle_model = None
    if obstacles:
        from .classify import load_obstacle_model

        obstacle_model = load_obstacle_model(model, device=device, abstain_below=abstain_below, required=model is not None, dtype=dtype)
        if obstacle_model is None:
            err.print("[yellow]note[/yellow] no obstacle model found; quotations are left unclassified (obstacle: null)")
    annotator = Annotator(obstacle_model=obstacle_model, max_bytes=max_bytes, role_model=role_model_for(roles, components, device, dtype))
    inputs = list(expand(paths))
    if not inputs:
        err.print(f"[red]error[/red] no supported files in {', '.join(paths)}")
        raise typer.Exit(1)
    if output is None and len(inputs) > 1:
        fmt = Format.jsonl  # several documents on stdout: one per line, so the stream stays parseable
    done, failed = write_results(annotator.pipe(inputs), output, fmt)
    if done:
        print_summary(done)
    where = f" to {output}" if output else ""
    err.print(f"{len(done)} annotated{where}, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="files or folders (folders expand to their supported files)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSONL file: one line per document, in input order")],
    resume: Annotated[bool, typer.Option(help="continue an interrupted run: skip inputs already written, repair a torn last line")] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="most quotations in one model batch (default: 32 on CPU, 1024 on CUDA)")] = None,
    max_batch_tokens: Annotated[int | None, typer.Option("--max-batch-tokens", help="padded-token budget of one model batch (default: 2048 on CPU, 65536 on CUDA)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    dtype: Annotated[str, typer.Option(help="auto (bf16 on CUDA, fp32 on CPU), fp32, bf16, or int8 (CPU: about 1.9x faster, 99.3% label agreement in BENCHMARKS.md)")] = "auto",
    workers: Annotated[int | None, typer.Option(help="processes for ingest and segmentation (0: in the main process; default: 0 on two cores or fewer, else up to 4)")] = None,
    on_error: Annotated[str, typer.Option("--on-error", help="record: write an error line and go on; raise: stop")] = "record",
    model: Annotated[Path | None, typer.Option("--model", help="obstacle model folder (default: the shipped one)")] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="largest input accepted, in bytes")] = MAX_BYTES,
    roles: Annotated[Roles, typer.Option(help="unit roles and links from the fine-tuned component model, or the rules baseline")] = Roles.model,
    components: Annotated[Path | None, typer.Option(help="component model folder (default: the shipped models/components)")] = None,
) -> None:
    """Annotate a corpus into one JSONL file, fast and safe to interrupt."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .classify import load_obstacle_model, torch
    from .corpus import default_workers, run_batch
    from .ingest import InputError

    if on_error not in ("record", "raise"):
        err.print(f"[red]error[/red] --on-error {on_error!r}: expected record or raise")
        raise typer.Exit(2)
    workers = default_workers() if workers is None else workers
    obstacle_model = load_obstacle_model(model, device=device, required=model is not None, dtype=dtype)
    if obstacle_model is not None:
        obstacle_model.max_batch_items = batch_size or obstacle_model.max_batch_items
        obstacle_model.max_batch_tokens = max_batch_tokens or obstacle_model.max_batch_tokens
        if obstacle_model.device.type == "cpu":
            torch.set_num_threads(max(1, (os.cpu_count() or 1) - max(0, workers)))
    annotator = Annotator(obstacle_model=obstacle_model, max_bytes=max_bytes, role_model=role_model_for(roles, components, device, dtype))
    inputs_list = list(expand(inputs))
    columns = [TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[rate]}")]
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("docs", total=len(inputs_list), rate="")
        counts = {"docs": 0, "quotes": 0}
        t0 = time.perf_counter()

        def tick(docs: int, quotes: int) -> None:
            counts["docs"] += docs
            counts["quotes"] += quotes
            dt = max(1e-9, time.perf_counter() - t0)
            bar.update(task, advance=docs, rate=f"{counts['docs'] / dt:.1f} docs/s · {counts['quotes'] / dt:.1f} quotes/s")

        try:
            report = run_batch(inputs_list, output, annotator, resume=resume, workers=workers, on_error=on_error, progress=tick)
        except (FileExistsError, InputError) as e:
            err.print(f"[red]error[/red] {e}")
            raise typer.Exit(1) from None
        bar.update(task, completed=report.ok + report.errors + report.skipped)
    labels = " · ".join(f"{k} {v}" for k, v in report.labels.most_common()) or "none classified"
    err.print(f"{report.ok} documents ok, {report.errors} errors, {report.skipped} already done"
              + (f", torn last line repaired ({report.repaired} bytes)" if report.repaired else ""))
    err.print(f"{report.quotes} quotations: {labels}")
    err.print(f"wall time {report.seconds:.1f} s ({(report.ok + report.errors) / max(report.seconds, 1e-9):.1f} docs/s, "
              f"{report.quotes / max(report.seconds, 1e-9):.1f} quotes/s)")


@app.command()
def show(
    path: Annotated[Path, typer.Argument(help="an annotated JSON document (from annotate), or a JSONL file (from batch)")],
    html_out: Annotated[Path | None, typer.Option("--html", help="write a self-contained HTML page instead (one document: the first, or --id)")] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="which document of a JSONL file")] = None,
) -> None:
    """Show an annotated document for reading: units by role, quotations marked with speaker and obstacle."""
    import json

    from rich.console import Console

    from .document import Document
    from .render import to_html, to_rich

    try:
        raw = path.read_text(encoding="utf-8")
        records = [json.loads(raw)] if path.suffix == ".json" else [json.loads(l) for l in raw.splitlines() if l.strip()]
        docs = [Document.from_dict(r) for r in records if "text" in r and (doc_id is None or r.get("id") == doc_id)]
    except (OSError, ValueError, KeyError, TypeError) as e:
        err.print(f"[red]error[/red] {path}: not an annotated document ({e})")
        raise typer.Exit(1) from None
    if not docs:
        err.print(f"[red]error[/red] {path}: no annotated document" + (f" with id {doc_id!r}" if doc_id else ""))
        raise typer.Exit(1)
    if html_out is not None:
        html_out.write_text(to_html(docs[0]), encoding="utf-8")
        err.print(f"wrote {html_out}")
        return
    console = Console()
    for doc in docs:
        console.print(to_rich(doc))


train_app = typer.Typer(no_args_is_help=True, help="Fine-tune argmine's models.")
app.add_typer(train_app, name="train")


class Pooling(str, Enum):
    cls = "cls"
    mean = "mean"
    first = "first"


PoolingOption = Annotated[Pooling, typer.Option(help="what the head reads: the [CLS] pooler; the mean of the token states (the space the base encoder was trained in); or the mean over the first segment only (the unit, not its context)")]
ProbeInitOption = Annotated[bool, typer.Option("--probe-init/--no-probe-init", help="start the head from a linear probe on the frozen encoder, chosen on dev (LP-FT)")]


@train_app.command("obstacles")
def train_obstacles_cmd(
    data: Annotated[Path, typer.Option(help="corpus folder or passages JSONL with train and dev splits")] = Path("corpus/obstacles"),
    out: Annotated[Path, typer.Option(help="model folder to write")] = Path("models/obstacles"),
    epochs: Annotated[int, typer.Option(help="epochs to run; the best on dev is kept")] = 6,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same model on the same device")] = 13,
    seeds: Annotated[str | None, typer.Option(help="comma-separated seeds, e.g. 13,14,15,16: train one adapter per seed and ship their average (a model soup, the cost of one model at inference)")] = None,
    members: Annotated[Path | None, typer.Option(help="with --seeds: keep each seed's adapter in this folder (seed-S/) to study or re-mix")] = None,
    lr: Annotated[float, typer.Option(help="learning rate (ignored with --search)")] = 1e-3,
    lora_r: Annotated[int, typer.Option("--lora-r", help="adapter rank (ignored with --search)")] = 16,
    search: Annotated[bool, typer.Option(help="choose learning rate and rank on dev from a small grid")] = False,
    pooling: PoolingOption = Pooling.mean,  # the shipped model's head (models/obstacles/pooling.json)
    probe_init: ProbeInitOption = True,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    base: Annotated[Path | None, typer.Option(help="a copy of the base encoder instead of the pinned package (its digest is then not checked)", hidden=True)] = None,
) -> None:
    """Fine-tune the obstacle classifier (LoRA adapter + head on the pinned MiniLM)."""
    from .train import TrainConfig, train_obstacles

    try:
        soup = [int(s) for s in seeds.split(",")] if seeds else None
    except ValueError:
        err.print(f"[red]error[/red] --seeds {seeds!r}: expected comma-separated integers such as 13,14,15,16")
        raise typer.Exit(2) from None
    try:
        card = train_obstacles(data, out, TrainConfig(epochs=epochs, seed=seed, lr=lr, lora_r=lora_r, lora_alpha=2 * lora_r,
                                                          pooling=pooling.value, probe_init=probe_init), search=search,
                               device=device, base=base, seeds=soup, members=members)
    except ValueError as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(2) from None
    err.print(f"wrote {out}: best epoch {card['best_epoch']}, dev macro-F1 {card['dev_macro_f1']:.3f}, temperature {card['temperature']:.3f}")


class DataFormat(str, Enum):
    argmine = "argmine"
    brat = "brat"
    microtext = "microtext"


@train_app.command("components")
def train_components_cmd(
    data: Annotated[Path, typer.Option(help="the gold essays corpus (a folder with gold/ and splits.json)")] = Path("corpus/essays"),
    brat: Annotated[Path | None, typer.Option(help="train on a brat standoff folder instead (e.g. the Argument Annotated Essays)")] = None,
    out: Annotated[Path, typer.Option(help="model folder to write")] = Path("models/components"),
    epochs: Annotated[int, typer.Option(help="epochs to run; the best on dev is kept")] = 6,
    seed: Annotated[int, typer.Option(help="random seed")] = 13,
    lr: Annotated[float, typer.Option(help="learning rate")] = 1e-3,
    lora_r: Annotated[int, typer.Option("--lora-r", help="adapter rank")] = 16,
    context_chars: Annotated[int, typer.Option("--context-chars", help="characters of the paragraph before and after a unit that the model reads")] = 220,
    max_length: Annotated[int, typer.Option("--max-length", help="most tokens of unit plus context")] = 192,
    search: Annotated[bool, typer.Option(help="choose learning rate and context size on dev from a small grid")] = False,
    pooling: PoolingOption = Pooling.cls,
    probe_init: ProbeInitOption = False,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    base: Annotated[Path | None, typer.Option(help="a copy of the base encoder instead of the pinned package", hidden=True)] = None,
) -> None:
    """Fine-tune the unit-role model and fit the link scorer on gold documents."""
    from .train import TrainConfig, train_components
    from .structure_eval import load_gold

    try:
        if brat is not None:
            from .interchange import brat_splits

            train, dev = brat_splits(brat)
            source = str(brat)
        else:
            train, dev = load_gold(data, "argmine", "train"), load_gold(data, "argmine", "dev")
            source = str(data)
    except ValueError as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(1) from None
    config = TrainConfig(epochs=epochs, seed=seed, lr=lr, lora_r=lora_r, lora_alpha=2 * lora_r, max_length=max_length,
                         pooling=pooling.value, probe_init=probe_init)
    card = train_components(train, dev, out, config, device=device, base=base, data=source, search=search, context_chars=context_chars)
    err.print(f"wrote {out}: {card['n_train_units']} train units, best epoch {card['best_epoch']}, dev macro-F1 {card['dev_macro_f1']:.3f}")


evaluate_app = typer.Typer(no_args_is_help=True, help="Measure argmine's models.")
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("obstacles")
def evaluate_obstacles_cmd(
    data: Annotated[Path, typer.Option(help="JSONL with `text` and `label` (other fields ignored)")],
    model: Annotated[Path | None, typer.Option(help="model folder (default: the shipped models/obstacles)")] = None,
    split: Annotated[str | None, typer.Option(help="only records whose `split` is this")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="write the result as JSON to stdout")] = False,
    plots: Annotated[Path | None, typer.Option(help="folder for confusion_matrix.png and reliability.png")] = None,
    with_baselines: Annotated[bool, typer.Option("--baselines", help="also score majority, lexicon, TF-IDF+LR and nearest-centroid baselines")] = False,
    train_data: Annotated[Path | None, typer.Option(help="corpus whose train split fits the baselines")] = None,
    abstain_below: Annotated[float, typer.Option("--abstain-below", help="report coverage and accuracy above this top score")] = 0.0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    in_context: Annotated[bool, typer.Option("--in-context", help="score records that have an `intro` with it as context, against `label_in_context`")] = False,
    predictions: Annotated[Path | None, typer.Option(help="write each passage's gold label, predicted label and scores to this JSONL file")] = None,
) -> None:
    """Accuracy, macro-F1 with a bootstrap 95% interval, per-class scores, confusion, ECE."""
    from rich.table import Table

    from .evaluate import evaluate_obstacles, table, to_json

    try:
        result = evaluate_obstacles(data, model, split, with_baselines, train_data, plots, abstain_below, device, in_context, predictions)
    except (ValueError, OSError) as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(to_json(result) + "\n")
    view = Table(title=f"{data}{' [' + split + ']' if split else ''}: n={result['n']}", title_justify="left")
    for col in ("method", "macro-F1", "95% CI", "accuracy"):
        view.add_column(col)
    for row in table(result):
        view.add_row(*row)
    err.print(view)
    err.print(f"ECE {result['ece_uncalibrated']:.3f} before temperature scaling, {result['ece']:.3f} after (T={result['temperature']:.3f})")


@evaluate_app.command("components")
def evaluate_components_cmd(
    data: Annotated[Path, typer.Option(help="gold documents: the essays corpus, argmine JSON, a brat folder or microtext XML")] = Path("corpus/essays"),
    fmt: Annotated[DataFormat, typer.Option("--format", help="how the gold documents are stored")] = DataFormat.argmine,
    gold_segments: Annotated[bool, typer.Option("--gold-segments", help="give the model the gold units; score roles and links only")] = False,
    model: Annotated[Path | None, typer.Option(help="component model folder (default: the shipped models/components)")] = None,
    roles: Annotated[str, typer.Option(help="model, or baseline for the rules")] = "model",
    split: Annotated[str, typer.Option(help="split of the essays corpus to score")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="write the result as JSON to stdout")] = False,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
) -> None:
    """Role macro-F1 and per-class scores, segment F1 (exact and overlap), link F1 against naive baselines."""
    import json

    from rich.table import Table

    from .structure_eval import evaluate_components

    try:
        result = evaluate_components(data, fmt.value, gold_segments, model, roles, split, device)
    except (ValueError, OSError) as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    seg = "gold segments" if gold_segments else "predicted segments"
    view = Table(title=f"{data} ({fmt.value}, {seg}): {result['n_documents']} documents, {result['n_units']} units, roles: {roles}", title_justify="left")
    for col in ("label", "precision", "recall", "F1", "support"):
        view.add_column(col)
    for label, m in result["per_class"].items():
        view.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    view.add_row("macro", "", "", f"{result['macro_f1']:.3f}", "")
    err.print(view)
    if not gold_segments:
        err.print(f"segments: F1 {result['segment_f1_exact']:.3f} exact, {result['segment_f1_overlap']:.3f} overlap")
    err.print("link F1: " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in result["links"].items()))


@evaluate_app.command("components-card")
def evaluate_components_card_cmd(
    model: Annotated[Path, typer.Option(help="component model folder whose README.md to write")] = Path("models/components"),
    microtexts: Annotated[Path | None, typer.Option(help="microtext corpus to report too (evaluation only)")] = Path("../shared/external/arg-microtexts/en"),
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
) -> None:
    """Run the component card's evaluations (gold essays, microtexts, the seed, agreement) and write README.md."""
    from .structure_eval import write_components_card

    r = write_components_card(model, microtexts=microtexts, device=device)
    line = f"wrote {model / 'README.md'}: essays test macro-F1 {r['essays_test']['model_gold_segments']['macro_f1']:.3f}"
    if "microtexts" in r:
        line += f", microtexts {r['microtexts']['model_gold_segments']['macro_f1']:.3f}"
    err.print(line + f", seed thesis: {r['seed']['thesis_role']}")


@evaluate_app.command("card")
def evaluate_card_cmd(
    model: Annotated[Path, typer.Option(help="model folder whose README.md to write")] = Path("models/obstacles"),
    real: Annotated[Path | None, typer.Option(help="real labelled passages to report too (evaluation only)")] = Path("../shared/external/real-passages/passages.jsonl"),
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
) -> None:
    """Run the card's evaluations (test with baselines, dev, real passages, the seed) and write README.md."""
    from .evaluate import write_card

    results = write_card(model, real, device)
    err.print(f"wrote {model / 'README.md'}: test macro-F1 {results['test']['macro_f1']:.3f}"
              + (f", real passages {results['real']['macro_f1']:.3f}" if "real" in results else "")
              + f", seed {results['seed']['sections_2_1_to_2_3_correct']}/{results['seed']['of']}")


corpus_app = typer.Typer(no_args_is_help=True, help="Build and check the obstacle corpus and the gold essays.")
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("essays")
def corpus_essays(
    root: Annotated[Path, typer.Option(help="essays folder (sources in src/)")] = Path("corpus/essays"),
    brat: Annotated[Path | None, typer.Option(help="also write every gold essay as brat standoff into this folder")] = None,
) -> None:
    """Compile the gold essays' markup (src/*.md) to argmine JSON in gold/, and print their counts."""
    from .essays import MarkupError, build, load

    try:
        build(root)
    except MarkupError as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(1) from None
    from .essays import write_stats

    write_stats(root)
    docs = load(root)
    for split in ("train", "dev", "test"):
        part = [d for d in docs if d.meta["split"] == split]
        roles = Counter(u.role for d in part for u in d.units)
        err.print(f"{split:5} {len(part):3} documents, {sum(roles.values()):5} units  " + " · ".join(f"{k} {roles[k]}" for k in ("major_claim", "claim", "premise", "none")))
    if brat is not None:
        from .interchange import write_brat

        for d in docs:
            write_brat(d, brat)
        err.print(f"wrote {len(docs)} brat documents to {brat}")


@corpus_app.command("build")
def corpus_build(root: Annotated[Path, typer.Option(help="corpus folder")] = Path("corpus/obstacles")) -> None:
    """Rebuild passages.jsonl and stats.json from raw/, annotation/ and splits.json."""
    from .dataset import build

    records = build(root)
    err.print(f"{len(records)} passages written to {root / 'passages.jsonl'}; counts in {root / 'stats.json'}")


@corpus_app.command("check")
def corpus_check(root: Annotated[Path, typer.Option(help="corpus folder or passages file")] = Path("corpus/obstacles")) -> None:
    """Validate every record and look for near-duplicates across splits; print the counts."""
    from .dataset import CorpusError, check, leakage, load_records

    try:
        records = load_records(root)
        check(records)
    except CorpusError as e:
        err.print(f"[red]error[/red] {e}")
        raise typer.Exit(1) from None
    best, pairs = leakage(records)
    for split in ("train", "dev", "test"):
        labels = Counter(r["label"] for r in records if r["split"] == split)
        err.print(f"{split:5} {sum(labels.values()):5}  " + " · ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    err.print(f"highest similarity of a dev/test passage to train: {best:.3f}")
    for held, train, sim in pairs:
        err.print(f"[red]near-duplicate[/red] {held} ~ {train} ({sim:.3f})")
    if pairs:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
