"""Use cases: the domain's rules applied in order, with side effects through ports."""
