"""The shared page frame: semantic HTML, inline CSS, no scripts; every value escaped by the caller."""

from __future__ import annotations

from html import escape

_CSS = """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee;
vertical-align:top}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem;background:#eee}
.high{background:#fde0dc;color:#8a1c0f}.ok{background:#dff3e4;color:#14532d}
time{white-space:nowrap;color:#555}ol.timeline{padding-left:1.2rem}ol.timeline li{margin:.3rem 0}
footer{margin-top:3rem;color:#666;font-size:.85rem}a{color:#1d4ed8}
@media (max-width:30rem){th,td{padding:.3rem .25rem;font-size:.9rem}}
"""


def document(title: str, body: str) -> str:
    """Wrap already-escaped body HTML in the page frame."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}<footer>LAA AWS Ops team · opsdesk</footer></main></body></html>\n"
    )
