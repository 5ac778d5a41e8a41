"""Placeholder: being written now; replaced before this lands."""
