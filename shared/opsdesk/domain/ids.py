"""Short, human-typable ids derived from the event that created a thing."""

from __future__ import annotations

import hashlib

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: people read these aloud


def short_id(prefix: str, source_key: str, length: int = 5) -> str:
    """Derive a stable id like INC-7K3QF from the key of the request that created it.

    The same Slack request, alarm change or message always yields the same id,
    which is what makes a replayed delivery find, rather than duplicate, its incident.
    """
    digest = int.from_bytes(hashlib.sha256(source_key.encode()).digest()[:8], "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return f"{prefix}-{''.join(chars)}"


def normalise_incident_id(text: str) -> str | None:
    """Accept "inc-7k3qf", "INC-7K3QF" or "7K3QF"; return the canonical id or None."""
    candidate = text.strip().upper().removeprefix("#")
    if not candidate.startswith("INC-"):
        candidate = f"INC-{candidate}"
    body = candidate[4:]
    if len(body) == 5 and all(char in _ALPHABET for char in body):
        return candidate
    return None
