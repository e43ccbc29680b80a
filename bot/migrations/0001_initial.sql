-- The core's tables: per-server settings and who changed them, and the bot's own state.
-- (Until each feature had its own migrations, this file also made the trivia and countdown
-- tables; they are now cogs/trivia/migrations/0001 and cogs/countdown/migrations/0001.)

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
