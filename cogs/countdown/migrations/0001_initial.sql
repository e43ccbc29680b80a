-- A server's own countdown events.
-- (Part of bot/migrations/0001_initial.sql until each feature had its own migrations.)
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
