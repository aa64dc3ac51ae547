"""Reading pages in tests as a browser's DOM: elements by their ``data-*`` attributes."""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html


def parse(text: str) -> Any:
    return lxml_html.fromstring(text)


def attrs(text: str, attribute: str, tag: str = "*") -> list[str]:
    """The values of ``attribute`` on every ``tag`` that has it, in document order."""
    return [str(v) for v in parse(text).xpath(f"//{tag}[@{attribute}]/@{attribute}")]


def texts(text: str, xpath: str) -> list[str]:
    """The text of each element ``xpath`` finds, whitespace collapsed."""
    return [" ".join(e.text_content().split()) for e in parse(text).xpath(xpath)]
