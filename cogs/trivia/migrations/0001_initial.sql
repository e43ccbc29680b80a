-- Trivia's tables: a server's own questions, the rounds, their answers and the scores.
-- (Part of bot/migrations/0001_initial.sql until each feature had its own migrations.)

-- A server's own trivia questions (the shipped ones live in data/).
CREATE TABLE trivia_questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    question    TEXT    NOT NULL,
    correct     TEXT    NOT NULL,
    wrong1      TEXT    NOT NULL,
    wrong2      TEXT    NOT NULL,
    wrong3      TEXT    NOT NULL,
    category    TEXT    NOT NULL DEFAULT 'server',
    explanation TEXT,
    source      TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX trivia_questions_guild ON trivia_questions (guild_id);

-- Questions already asked in a server, so none repeats until the pool is used up.
CREATE TABLE trivia_asked (
    guild_id     INTEGER NOT NULL,
    question_key TEXT    NOT NULL,
    PRIMARY KEY (guild_id, question_key)
) WITHOUT ROWID;

-- One row per posted round; an open round survives a restart and is closed afterwards.
CREATE TABLE trivia_rounds (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    message_id    INTEGER,
    question_key  TEXT    NOT NULL,
    choices       TEXT    NOT NULL,   -- JSON list of the four answers in button order
    correct_index INTEGER NOT NULL,
    opened_at     TEXT    NOT NULL,
    closes_at     TEXT    NOT NULL,
    closed        INTEGER NOT NULL DEFAULT 0,
    -- The scheduled run that posted it: a re-sent run reuses its round instead of dealing anew.
    run_nonce     TEXT UNIQUE,
    -- Its announcement's mark, kept in the reveal's footer so a restart can still find it.
    run_mark      TEXT
);
CREATE INDEX trivia_rounds_open ON trivia_rounds (closed, closes_at);

-- Every answer; the weekly leaderboard sums these over a window.
CREATE TABLE trivia_answers (
    round_id    INTEGER NOT NULL REFERENCES trivia_rounds (id),
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX trivia_answers_window ON trivia_answers (guild_id, answered_at);

-- Running totals per member, so all-time figures are one indexed read.
CREATE TABLE trivia_scores (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    display_name TEXT    NOT NULL,
    answered     INTEGER NOT NULL DEFAULT 0,
    correct      INTEGER NOT NULL DEFAULT 0,
    points       INTEGER NOT NULL DEFAULT 0,
    streak       INTEGER NOT NULL DEFAULT 0,
    best_streak  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX trivia_scores_rank ON trivia_scores (guild_id, points DESC, correct DESC);
