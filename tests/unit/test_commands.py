from __future__ import annotations

from opsdesk.slack.commands import parse, split_priority


def test_parse_takes_subcommand_id_mentions_and_rest() -> None:
    parsed = parse("lead inc-abcde <@U123|alice> please")
    assert parsed.subcommand == "lead"
    assert parsed.incident_id == "INC-ABCDE"
    assert parsed.mentions == ("U123",)
    assert parsed.rest == "please"


def test_parse_without_id_keeps_title_words() -> None:
    parsed = parse("declare Database down")
    assert parsed.incident_id is None
    assert parsed.rest == "Database down"


def test_empty_text_is_help() -> None:
    assert parse("   ").subcommand == "help"


def test_split_priority_reads_high_at_either_end() -> None:
    assert split_priority("high Database down") == ("Database down", True)
    assert split_priority("Database down (high)") == ("Database down", True)
    assert split_priority("Highway lights down") == ("Highway lights down", False)
