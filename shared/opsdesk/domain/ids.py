"""Short, human-typable ids derived from the event that created a thing.

Five characters (31^5, about 28.6 million) read and say well, but a hash that short collides:
about 1.7% odds by the 1,000th incident. So the store keeps the source key beside each id and a
creation whose id is taken compares it: the same source is a replay (the same thing, found), another
source is a collision, and the creation takes the next longer id from the same digest (INC-7K3QF,
then INC-7K3QF8, ...). Every length derives from the source alone, so a replay of a collided
creation walks the same lengths and finds its own thing; an id never silently means two things.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: people read these aloud
SHORTEST = 5
LONGEST = 12  # 31^12 < 2^64: every length comes from the same 8 bytes of the digest


def short_id(prefix: str, source_key: str, length: int = SHORTEST) -> str:
    """Derive a stable id like INC-7K3QF from the key of the request that created it.

    The same Slack request, alarm change or message always yields the same id,
    which is what makes a replayed delivery find, rather than duplicate, its incident.
    A longer id starts with the shorter ones (`candidate_ids`).
    """
    digest = digest_of(source_key)
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return f"{prefix}-{''.join(chars)}"


def digest_of(source_key: str) -> int:
    """The 64 bits of SHA-256 every length of id is read from."""
    return int.from_bytes(hashlib.sha256(source_key.encode()).digest()[:8], "big")


def candidate_ids(prefix: str, source_key: str) -> Iterator[str]:
    """The ids a creation tries in turn: the short one first, one character longer after each collision."""
    for length in range(SHORTEST, LONGEST + 1):
        yield short_id(prefix, source_key, length)


def is_id_body(body: str) -> bool:
    """Whether `body` (an id without its prefix) could be one of ours, of any length."""
    return SHORTEST <= len(body) <= LONGEST and all(char in _ALPHABET for char in body)


def normalise_incident_id(text: str) -> str | None:
    """Accept "inc-7k3qf", "INC-7K3QF" or "7K3QF"; return the canonical id or None."""
    candidate = text.strip().upper().removeprefix("#")
    if not candidate.startswith("INC-"):
        candidate = f"INC-{candidate}"
    body = candidate[4:]
    return candidate if is_id_body(body) else None
