import html

import pytest

from pipeline.document import Obstacle
from pipeline.render import to_html, to_rich


@pytest.fixture
def doc(annotate_text):
    from dataclasses import replace
    d = annotate_text("1 Talks\n\nI believe we must talk <now>. As the envoy said:\n\n\u201cNobody at the table believes a word the other side says & means.\u201d")
    scores = {"information_problem": 0.1, "issue_indivisibility": 0.1, "commitment_problem": 0.7, "none": 0.1}
    d.quotes = [replace(q, obstacle=Obstacle("commitment_problem", scores)) for q in d.quotes]
    return d


def test_render_html_marks_quotes_units_and_escapes_text(doc):
    page = to_html(doc)
    assert "&lt;now&gt;" in page and "<now>" not in page
    assert html.escape("Nobody at the table believes a word the other side says & means.") in page
    assert '<mark class="commitment_problem"' in page and "the envoy · commitment 0.70" in page
    assert "<h2>1 Talks</h2>" in page
    assert 'class="major_claim"' in page or 'class="claim"' in page


def test_render_terminal_contains_every_quote_and_badge(doc):
    from rich.console import Console
    console = Console(record=True, width=200)
    console.print(to_rich(doc))
    text = console.export_text()
    assert "Nobody at the table believes a word the other side says & means." in text
    assert "[the envoy · commitment 0.70]" in text
