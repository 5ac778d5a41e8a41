"""Block Kit messages and modals, built with slack_sdk's models."""
