-- Trivia rounds: one open round per channel, enforced where the row is written, so a
-- scheduled post and /trivia play at the same moment can't both open one. A round stays
-- open (closed = 0) until its reveal reached Discord, so a pending reveal holds the channel.
-- Rounds that an earlier version left open side by side: all but the newest are closed.
UPDATE trivia_rounds SET closed = 1
WHERE closed = 0 AND id NOT IN (
    SELECT MAX(id) FROM trivia_rounds WHERE closed = 0 GROUP BY channel_id
);
CREATE UNIQUE INDEX trivia_rounds_one_open ON trivia_rounds (channel_id) WHERE closed = 0;

-- /trivia play and its category autocomplete query a server's questions instead of loading
-- them all: by category (any case) and difficulty, and the distinct categories.
CREATE INDEX trivia_questions_category
    ON trivia_questions (guild_id, category COLLATE NOCASE, difficulty);
