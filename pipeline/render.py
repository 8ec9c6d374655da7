"""Annotated documents for people: a terminal view (rich) and a self-contained HTML page.

Both walk each paragraph once, cutting it into runs of characters that share a unit role and a
quotation, so any mix of units and quotations renders in time linear in the text.
"""

from __future__ import annotations

import html
from bisect import bisect_right
from collections.abc import Iterator

from .document import Document, Quote, SpanIndex

SHORT = {"information_problem": "information", "issue_indivisibility": "indivisibility",
         "commitment_problem": "commitment", "none": "none"}
ROLE_STYLE = {"major_claim": "bold magenta", "claim": "bold", "premise": "", "none": "dim"}
LABEL_STYLE = {"information_problem": "cyan", "issue_indivisibility": "yellow", "commitment_problem": "red", "none": "white"}


def runs(doc: Document, start: int, end: int, units: SpanIndex, quotes: SpanIndex) -> Iterator[tuple[int, int, str | None, Quote | None]]:
    """(start, end, unit role, quotation) for consecutive stretches of text[start:end]."""
    cuts = {start, end}
    for index in (units, quotes):
        i = bisect_right(index.ends, start)
        while i < len(index.spans) and index.starts[i] < end:
            cuts.update(p for p in (index.starts[i], index.ends[i]) if start < p < end)
            i += 1
    points = sorted(cuts)
    for a, b in zip(points, points[1:]):
        u, q = units.index(a), quotes.index(a)
        yield a, b, units.spans[u].role if u >= 0 else None, quotes.spans[q] if q >= 0 else None


def badge(q: Quote) -> str:
    parts = [q.attribution.speaker] if q.attribution and q.attribution.speaker else []
    if q.obstacle:
        parts.append(f"{SHORT[q.obstacle.label]} {q.obstacle.scores[q.obstacle.label]:.2f}" + (" (review)" if q.obstacle.abstained else ""))
    return " · ".join(parts)


def _blocks(doc: Document) -> Iterator[tuple[str, int, int]]:
    """("heading" | "paragraph", start, end) in text order."""
    items = [("heading", s.start, s.start + len(doc.text[s.start : s.end].split("\n", 1)[0])) for s in doc.sections]
    items += [("paragraph", p.start, p.end) for p in doc.paragraphs]
    yield from sorted(items, key=lambda x: x[1])


def to_rich(doc: Document):
    from rich.console import Group
    from rich.text import Text

    out = [Text(doc.title or doc.id, style="bold underline")]
    byline = ", ".join(x for x in (doc.author, doc.date) if x)
    if byline:
        out.append(Text(byline, style="italic"))
    units, quotes = SpanIndex(doc.units), SpanIndex(doc.quotes)
    for kind, start, end in _blocks(doc):
        if kind == "heading":
            out.append(Text("\n" + doc.text[start:end], style="bold blue"))
            continue
        line = Text()
        for a, b, role, quote in runs(doc, start, end, units, quotes):
            style = ROLE_STYLE.get(role or "", "")
            if quote is not None:
                style = f"{style} underline {LABEL_STYLE[quote.obstacle.label] if quote.obstacle else ''}".strip()
            line.append(doc.text[a:b], style=style)
            if quote is not None and b == quote.end:
                line.append(f" [{badge(quote)}]", style="dim italic")
        out.append(line)
    legend = Text("\nunits: ") + Text("major claim", ROLE_STYLE["major_claim"]) + Text(" · ") + Text("claim", "bold") + Text(" · premise · ") + Text("none", "dim")
    legend += Text("   quotations (underlined): ") + Text(" · ").join(Text(SHORT[k], v) for k, v in LABEL_STYLE.items())
    out.append(legend)
    return Group(*out)


CSS = """body{font:16px/1.6 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.15em;margin-top:1.5em}.byline{font-style:italic;color:#555}
.major_claim{background:#f3e5f5;font-weight:bold}.claim{font-weight:bold}.none{color:#777}
mark{background:none;border-bottom:2px solid #999}.information_problem{border-color:#00838f}
.issue_indivisibility{border-color:#f9a825}.commitment_problem{border-color:#c62828}
.badge{font:12px sans-serif;color:#555;background:#eee;border-radius:3px;padding:0 4px;margin-left:3px}
.legend{font:13px sans-serif;color:#555;border-top:1px solid #ddd;margin-top:2em;padding-top:.5em}"""


def to_html(doc: Document) -> str:
    e = html.escape
    body = [f"<h1>{e(doc.title or doc.id)}</h1>"]
    byline = ", ".join(x for x in (doc.author, doc.date) if x)
    if byline:
        body.append(f'<p class="byline">{e(byline)}</p>')
    units, quotes = SpanIndex(doc.units), SpanIndex(doc.quotes)
    for kind, start, end in _blocks(doc):
        if kind == "heading":
            body.append(f"<h2>{e(doc.text[start:end])}</h2>")
            continue
        parts = []
        for a, b, role, quote in runs(doc, start, end, units, quotes):
            piece = e(doc.text[a:b])
            if quote is not None:
                label = quote.obstacle.label if quote.obstacle else ""
                piece = f'<mark class="{label}" title="{e(badge(quote))}">{piece}</mark>'
                if b == quote.end:
                    piece += f'<span class="badge">{e(badge(quote))}</span>'
            parts.append(f'<span class="{role}">{piece}</span>' if role else piece)
        body.append("<p>" + "".join(parts) + "</p>")
    body.append('<p class="legend">Units: <span class="major_claim">major claim</span> · <span class="claim">claim</span> · premise · '
                '<span class="none">none</span>. Quotations are underlined by obstacle: '
                + " · ".join(f'<mark class="{k}">{v}</mark>' for k, v in SHORT.items()) + ".</p>")
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(doc.title or doc.id)}</title>'
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
