-- Features declare their own per-server settings (bot/features.py): one row per server and
-- setting, so a new feature's setting needs no migration of the core's table. A server
-- without a row for a setting uses the setting's declared default.
CREATE TABLE feature_settings (
    guild_id INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
);

-- The trivia timeout was the one such setting, a column of guild_settings. Only values a
-- moderator changed are moved (20 was the column's default), so the others follow the
-- declared default.
INSERT INTO feature_settings (guild_id, name, value)
SELECT guild_id, 'trivia_timeout', trivia_timeout FROM guild_settings WHERE trivia_timeout <> 20;
ALTER TABLE guild_settings DROP COLUMN trivia_timeout;
