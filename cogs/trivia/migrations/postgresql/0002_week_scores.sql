-- /trivia leaderboard week summed a week of answers per call (p99 69 ms at 1,000,000
-- answers in one server): the weekly totals are kept as answers are stored, as
-- trivia_scores keeps the all-time ones, and the leaderboard reads 10 rows of an index.
-- week_start is bot.clock.to_db of the week's start (Monday 00:00 in the server's zone at
-- answer time), the same text the cog computes for the leaderboard.
-- The rows for answers stored before this migration are filled in by the cog at its next
-- start (TriviaStore.backfill_week_scores), with the same Python week rule as SQLite's:
-- PostgreSQL's AT TIME ZONE reads an ambiguous local midnight otherwise than zoneinfo does.
CREATE TABLE trivia_week_scores (
    guild_id   BIGINT  NOT NULL,
    week_start TEXT    NOT NULL,
    user_id    BIGINT  NOT NULL,
    points     INTEGER NOT NULL DEFAULT 0,
    correct    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, week_start, user_id)
);
-- user_id last: the leaderboard's tie-break, so its ORDER BY is the index's own order.
CREATE INDEX trivia_week_scores_rank
    ON trivia_week_scores (guild_id, week_start, points DESC, correct DESC, user_id);
