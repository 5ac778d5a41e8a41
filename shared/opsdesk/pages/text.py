"""Text from people and neighbours placed in a page's HTML or Confluence's XHTML storage format."""

from __future__ import annotations

import html
import re

# What XML 1.0 forbids (https://www.w3.org/TR/xml/#charsets): C0 controls other than tab, newline and
# carriage return, lone surrogates, and U+FFFE/U+FFFF. Confluence refuses storage XHTML holding one, and
# escaping cannot help (`&#1;` is not well-formed either), so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` without the characters XML forbids (what remains reads the same)."""
    return _NOT_XML.sub("", text)


def escape(text: str) -> str:
    """`text` as HTML/XHTML character data: forbidden characters dropped, markup characters as entities."""
    return html.escape(clean(text))
