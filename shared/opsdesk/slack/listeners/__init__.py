"""Bolt listeners, one module per feature; each exposes register(app, services)."""
