"""The rota's parsing and its rule of two engineers on support."""

from __future__ import annotations

from datetime import date, time

import pytest

from opsdesk.domain.errors import InvalidRequest
from opsdesk.domain.rota import Cover, Pair, RotaToday, parse_cover, parse_on_call, parse_set
from opsdesk.slack.views.rota import describe

TODAY = date(2026, 11, 30)


def test_set_a_pair_from_today_or_a_date() -> None:
    assert parse_set("<@U0ALICE> <@U0BOB|bob>", TODAY) == Pair(("U0ALICE", "U0BOB"), TODAY)
    assert parse_set("<@U0ALICE> <@U0BOB> from 2026-12-07", TODAY).starts == date(2026, 12, 7)


@pytest.mark.parametrize(
    "text", ["", "<@U0A> <@U0B> <@U0C>", "<@U0A> <@U0B> from tomorrow", "<@U0A> <@U0B> sometime 2026-12-01"]
)
def test_bad_sets_say_how_to_fix_them(text: str) -> None:
    with pytest.raises(InvalidRequest, match=r"rota|date|pair|Mention"):
        parse_set(text, TODAY)


def test_cover_and_on_call() -> None:
    cover = parse_cover("<@U0CAROL> 12:00-13:00", TODAY)
    assert (cover.user, cover.starts, cover.ends) == ("U0CAROL", time(12), time(13))
    assert cover.period == "12:00-13:00"
    with pytest.raises(InvalidRequest):
        parse_cover("<@U0CAROL> 13:00-12:00", TODAY)
    with pytest.raises(InvalidRequest):
        parse_cover("12:00-13:00", TODAY)
    assert parse_on_call("<@U0DAN>") == "U0DAN"


def test_warns_when_fewer_than_two() -> None:
    assert RotaToday(TODAY, Pair(("U0A",), TODAY), (), None).short_of_pair
    assert not RotaToday(TODAY, Pair(("U0A", "U0B"), TODAY), (), None).short_of_pair
    assert RotaToday(TODAY, None, (), None).short_of_pair


def test_rota_reads_in_slack_with_cover_and_the_missing_engineer() -> None:
    cover = Cover("U0CAROL", TODAY, time(12), time(13))
    text = describe(RotaToday(TODAY, Pair(("U0A",), TODAY), (cover,), "U0DAN"))
    assert "<@U0A>" in text and "• <@U0CAROL> covers 12:00-13:00" in text
    assert "*On call out of hours:* <@U0DAN>" in text
    assert text.endswith(":warning: Only 1 of 2 engineers are on support today. Set the pair with `/rota set @a @b`.")
    assert ":warning:" not in describe(RotaToday(TODAY, Pair(("U0A", "U0B"), TODAY), (), None))
