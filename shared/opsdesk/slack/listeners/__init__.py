"""Bolt listeners, one module per feature; each lists its listeners once, in `LISTENERS` (see slack/routing.py)."""
