-- Per-server settings. A server with no row uses the defaults.
CREATE TABLE guild_settings (
    guild_id              INTEGER PRIMARY KEY,
    timezone              TEXT    NOT NULL DEFAULT 'Asia/Seoul',
    trivia_timeout        INTEGER NOT NULL DEFAULT 20,
    announce_channel_id   INTEGER,
    mod_role_id           INTEGER,
    -- Comma-separated cog names switched off here; empty: every cog on.
    disabled_cogs         TEXT    NOT NULL DEFAULT ''
);

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

-- A server's own countdown events.
CREATE TABLE countdown_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    starts_at   TEXT    NOT NULL,  -- ISO 8601 with the wall-clock offset it was given in
    yearly      INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX countdown_events_name ON countdown_events (guild_id, name COLLATE NOCASE);

-- Who changed which setting, so /config show can say who last changed each.
CREATE TABLE settings_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    setting    TEXT    NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    changed_at TEXT    NOT NULL
);
CREATE INDEX settings_changes_latest ON settings_changes (guild_id, setting, id DESC);

-- Small facts about the bot itself, such as the fingerprint of the last synced commands.
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
