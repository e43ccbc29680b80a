"""SHARD_COUNT and SHARD_IDS (and `--shard-count`, `--shard-ids`): read, checked together,
every problem named at once; the command line wins over the environment and `.env`."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, format_shard_ids, load_settings, parse_shard_ids
from tests.support.command_line import TOKEN, UNREACHABLE, run_bot


def shards(**env: str) -> tuple[int | None, tuple[int, ...] | None]:
    settings = load_settings({"DISCORD_TOKEN": TOKEN, **env})
    return settings.shard_count, settings.shard_ids


def refusal(**env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": TOKEN, **env})
    return str(caught.value)


def test_without_shard_settings_discord_recommends_the_count_and_this_process_runs_all():
    assert shards() == (None, None)
    assert shards(SHARD_COUNT="", SHARD_IDS=" ") == (None, None)


def test_a_count_alone_runs_every_shard_in_this_process():
    assert shards(SHARD_COUNT="4") == (4, None)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("0-3", (0, 1, 2, 3)),
        ("0,2,5", (0, 2, 5)),
        ("0-3,8-11", (0, 1, 2, 3, 8, 9, 10, 11)),
        ("7", (7,)),
        ("5-5", (5,)),
        (" 8-9 , 1 ", (1, 8, 9)),
    ],
)
def test_shard_ids_are_numbers_and_ranges(text, ids):
    assert parse_shard_ids(text) == ids
    assert shards(SHARD_COUNT="12", SHARD_IDS=text) == (12, ids)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0-3,,5", "an empty part is not a shard number or a range"),
        ("0-3,", "an empty part"),
        ("one", "'one' is not a shard number or a range; give shard numbers and ranges"),
        ("1-2-3", "'1-2-3' is not a shard number"),
        ("-1", "'-1' is not a shard number"),
        ("2-", "'2-' is not a shard number"),
        ("٣", "'٣' is not a shard number"),  # a digit, but not one of 0-9
        ("3-1", "the range '3-1' runs backwards; write it as 1-3"),
        ("0-3,2", "shard 2 is listed twice"),
        ("1,1", "shard 1 is listed twice"),
        ("0-100000", "100000 is more shards than a bot has"),
    ],
)
def test_a_malformed_shard_list_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        parse_shard_ids(text)
    message = refusal(SHARD_COUNT="4", SHARD_IDS=text)
    assert message.startswith("SHARD_IDS (--shard-ids)=")
    assert says in message


@pytest.mark.parametrize("count", ["0", "-2", "four", "2.5", "100001"])
def test_a_count_must_be_a_number_of_shards(count):
    message = refusal(SHARD_COUNT=count)
    assert f"SHARD_COUNT (--shard-count)={count!r} is not a number of shards" in message
    assert "1 to 100,000" in message


def test_shard_ids_without_a_count_are_refused():
    message = refusal(SHARD_IDS="0-3")
    assert "SHARD_IDS (--shard-ids) needs SHARD_COUNT (--shard-count)" in message


def test_every_shard_id_must_be_below_the_count():
    message = refusal(SHARD_COUNT="4", SHARD_IDS="2-5,9")
    assert "lists shard 4, 5, 9, but with SHARD_COUNT=4 the shards are 0-3." in message
    assert shards(SHARD_COUNT="4", SHARD_IDS="3") == (4, (3,))


def test_every_shard_problem_is_reported_with_the_others():
    message = refusal(SHARD_COUNT="zero", SHARD_IDS="x", LOG_LEVEL="LOUD")
    assert "LOG_LEVEL" in message
    assert "SHARD_COUNT (--shard-count)='zero'" in message
    assert "SHARD_IDS (--shard-ids)='x'" in message


@pytest.mark.parametrize(
    ("ids", "text"),
    [((0, 1, 2, 5), "0-2,5"), ((3,), "3"), ((0, 2, 4), "0,2,4"), ((0, 1, 8, 9), "0-1,8-9")],
)
def test_shard_ids_are_written_back_as_ranges(ids, text):
    assert format_shard_ids(ids) == text
    assert parse_shard_ids(text) == ids


# -- the command line ----------------------------------------------------------------------


def test_help_lists_the_shard_options_without_a_token(tmp_path):
    for args in (["--help"], ["run", "--help"]):
        done = run_bot(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert "--shard-count N" in done.stdout
        assert "--shard-ids IDS" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--shard-count", "2", "--shard-ids", "1"],
        ["run", "--shard-count", "2", "--shard-ids", "1"],
        ["--shard-count", "2", "run", "--shard-ids", "1"],
    ],
)
def test_the_command_line_wins_over_the_environment(tmp_path, args):
    done = run_bot(
        tmp_path,
        *args,
        SHARD_COUNT="not a number",
        SHARD_IDS="0-9",
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        **UNREACHABLE,
    )
    # Past the settings (the environment's would be refused), then no Discord to reach.
    assert "could not reach Discord" in done.stderr, done.stderr
    assert "shards: 1 of 2" in done.stderr


def test_the_command_line_is_checked_like_the_environment(tmp_path):
    done = run_bot(tmp_path, "run", "--shard-ids", "0-3", **UNREACHABLE)
    assert done.returncode == 2
    assert "SHARD_IDS (--shard-ids) needs SHARD_COUNT (--shard-count)" in done.stderr
    assert "Traceback" not in done.stderr


def test_shard_settings_are_read_from_the_env_file(tmp_path):
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nSHARD_COUNT=4\nSHARD_IDS=2-3\n")
    done = run_bot(
        tmp_path,
        DISCORD_API_BASE=UNREACHABLE["DISCORD_API_BASE"],
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    assert "could not reach Discord" in done.stderr, done.stderr
    assert "shards: 2-3 of 4" in done.stderr
    alone = run_bot(
        tmp_path,
        "--shard-count",
        "1",
        "--shard-ids",
        "0",
        DISCORD_API_BASE=UNREACHABLE["DISCORD_API_BASE"],
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )
    assert "shards: 0 of 1" in alone.stderr, alone.stderr


# -- the edges, as mutation testing found them ---------------------------------------------


@pytest.mark.parametrize("count", [1, 100_000])
def test_the_smallest_and_largest_counts_are_taken(count):
    assert shards(SHARD_COUNT=str(count)) == (count, None)


def test_a_bad_count_is_explained_in_full():
    assert refusal(SHARD_COUNT="9" * 30) == (
        f"SHARD_COUNT (--shard-count)='{'9' * 20}' is not a number of shards: give how many "
        "shards the bot has in all (1 to 100,000), or leave it unset for Discord's "
        "recommended count."
    )


def test_ids_without_a_count_are_explained_in_full():
    assert refusal(SHARD_IDS="0") == (
        "SHARD_IDS (--shard-ids) needs SHARD_COUNT (--shard-count): the shard a server "
        "belongs to depends on how many shards there are in all."
    )


def test_a_long_bad_value_is_shown_cut_short():
    message = refusal(SHARD_COUNT="4", SHARD_IDS="x" * 50)
    assert message.startswith(f"SHARD_IDS (--shard-ids)='{'x' * 40}': '{'x' * 20}' is not")


def test_the_largest_shard_id_is_named():
    with pytest.raises(ValueError, match=r"\(at most 99999\)$"):
        parse_shard_ids("99999-100000")
    assert parse_shard_ids("99999") == (99_999,)


def test_every_repeated_shard_is_named_up_to_ten():
    with pytest.raises(ValueError, match=r"^shard 1, 2 is listed twice; give each shard once$"):
        parse_shard_ids("1,1,2,2")
    with pytest.raises(ValueError, match=r"^shard 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 is listed twice"):
        parse_shard_ids("0-11,0-11")


@pytest.mark.parametrize(
    ("ids", "listed"),
    [
        ("0-11", "2, 3, 4, 5, 6, 7, 8, 9, 10, 11"),
        ("0-12", "2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 1 more"),
        ("0-16", "2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 5 more"),
    ],
)
def test_shards_past_the_count_are_named_up_to_ten(ids, listed):
    message = refusal(SHARD_COUNT="2", SHARD_IDS=ids)
    assert f"lists shard {listed}, but with SHARD_COUNT=2 the shards are 0-1." in message
