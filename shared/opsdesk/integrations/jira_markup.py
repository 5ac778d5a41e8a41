"""Plain text made safe for Jira's wiki markup (REST v2 descriptions and comments, Cloud and Data Center).

What a person typed in Slack must reach the ticket as text, never as markup: `!http://x/y.png!` would
load an outside image, `[~accountid:...]` would mention (and notify) someone, `[text|url]` would hide a
link behind other words, `{html}` would render HTML where the macro is enabled. Jira's notation escapes
a special character with a backslash (Jira's "Text Formatting Notation Help": `\\X` shows X), so each one
is escaped; a typed backslash becomes U+29F5 (it looks the same), since `\\\\` is Jira's line break and a
typed backslash would otherwise undo the escape that follows it. Links keep working: inside a URL only
the characters that would end it or start a macro are escaped. Jira's emoticons (`:)`, `(x)`) still
show as icons: cosmetic, and escaping every colon and bracket would make the text unreadable in Jira.
"""

from __future__ import annotations

import re

REVERSE_SOLIDUS_OPERATOR = "\u29f5"
_URL = re.compile(r"https?://[^\s<>\"']+")
# Macros, links, mentions, images, tables: escaped wherever they appear.
_ALWAYS = frozenset("{}[]|!")
# Text effects (*strong*, _emphasis_, ??citation??, -deleted-, +inserted+, ^sup^, ~sub~): Jira reads them
# only at a word's edge, so `REQ-7K3QF` and `snake_case` stay as they are.
_AT_EDGES = frozenset("*_?-+^~")
_LIST = re.compile(r"^(\s*)#", re.MULTILINE)
_BLOCK = re.compile(r"^(\s*)(h[1-6]|bq)\.", re.MULTILINE)


def _escape_text(text: str) -> str:
    out = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append(REVERSE_SOLIDUS_OPERATOR)
            continue
        if char in _AT_EDGES:
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            if before.isalnum() and after.isalnum():
                out.append(char)
                continue
        out.append(f"\\{char}" if char in _ALWAYS or char in _AT_EDGES else char)
    return "".join(out)


def _escape_url(url: str) -> str:
    return "".join(f"\\{char}" if char in _ALWAYS else char for char in url.replace("\\", REVERSE_SOLIDUS_OPERATOR))


def wiki_text(text: str) -> str:
    """Return `text` as Jira wiki markup that renders exactly as the text reads."""
    parts, position = [], 0
    for match in _URL.finditer(text):
        parts += [_escape_text(text[position : match.start()]), _escape_url(match.group(0))]
        position = match.end()
    parts.append(_escape_text(text[position:]))
    # Numbered lists (#), headings (h1.) and quotes (bq.) only start a line; their marker is escaped there.
    escaped = _LIST.sub(lambda line: f"{line.group(1)}\\#", "".join(parts))
    return _BLOCK.sub(lambda line: f"{line.group(1)}{line.group(2)}\\.", escaped)
