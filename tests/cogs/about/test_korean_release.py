"""/about's release facts in Korean, and their checks at load."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.content import DATA_DIR, ContentError
from cogs.about.cog import about_embed, load_release

RELEASE = load_release()


def test_every_credit_and_fact_has_korean():
    assert RELEASE.artist_ko == "아이유"
    assert RELEASE.summary_ko != RELEASE.summary
    for credit in RELEASE.credits:
        assert credit.role_ko.strip()
        assert credit.role_ko != credit.role
        assert credit.name_ko.strip()
    for fact in RELEASE.facts:
        assert fact.text_ko.strip()
        assert fact.text_ko != fact.text


def test_a_korean_member_reads_the_release_in_korean():
    text = str(about_embed(RELEASE, discord.Locale.korean).to_dict())
    assert RELEASE.summary_ko in text
    assert "**작곡:** 서동환" in text
    assert all(fact.text_ko in text for fact in RELEASE.facts)
    assert "Seo Dong-hwan" not in text
    assert RELEASE.facts[0].text not in text


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = (DATA_DIR / "release.toml").read_text("utf-8")
    assert old in text
    path = tmp_path / "release.toml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        ('artist_ko = "아이유"', 'artist_ko = "  "', "[release], field artist_ko"),
        ('artist_ko = "아이유"\n', "", "[release], field artist_ko"),
        ('summary_ko = "\\"Love', 'summary_ko = " "\nx = "', "[release], field summary_ko"),
        ('role_ko = "작곡"', 'role_ko = " "', "entry 2, field role_ko"),
        ('name_ko = "서동환"', 'name_ko = ""', "entry 2, field name_ko"),
        ('text_ko = "뮤직비디오가', 'text_ko = " "\nx = "', "entry 1, field text_ko"),
    ],
)
def test_a_release_with_a_missing_or_blank_korean_text_is_refused(tmp_path, old, new, place):
    path = edited(tmp_path, old, new)
    with pytest.raises(ContentError) as refused:
        load_release(path)
    assert place in [problem.place for problem in refused.value.problems]
    assert str(path) in str(refused.value)
