"""The pure core: the support process as types and rules, with time and ids passed in."""
