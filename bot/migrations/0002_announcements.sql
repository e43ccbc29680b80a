-- Scheduled announcements, owned by bot/scheduler.py. Times are ISO 8601 text in UTC with
-- seconds and '+00:00' (one fixed form, so text order is time order).
CREATE TABLE announcements (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    -- Which cog renders it ('trivia', 'quote', 'symbol', 'countdown', ...).
    kind            TEXT    NOT NULL,
    -- Wall-clock 'HH:MM' in `zone`.
    time_local      TEXT    NOT NULL,
    -- 0 = Monday, in `zone`'s calendar; set for weekly ones only.
    weekday         INTEGER CHECK (weekday BETWEEN 0 AND 6),
    repeat          TEXT    NOT NULL CHECK (repeat IN ('once', 'daily', 'weekly')),
    -- The server's zone when the run was computed (a copy of guild_settings.timezone, kept
    -- here so the following run can be computed from the row alone; reschedule_guild
    -- updates it when the server changes zone).
    zone            TEXT    NOT NULL,
    -- The next run not yet claimed; NULL when a once-only one has run (or was removed).
    next_run_utc    TEXT,
    created_by      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    -- A claimed run whose post is not yet confirmed: the Discord nonce it is sent with and
    -- the instant it was due. Set and cleared in their own transactions, so a restart
    -- re-sends exactly these, with the same nonce.
    pending_nonce   TEXT,
    pending_due_utc TEXT,
    last_posted_at  TEXT,
    last_message_id INTEGER,
    last_error      TEXT,
    last_error_at   TEXT,
    -- 0 once removed; the row stays for the record.
    active          INTEGER NOT NULL DEFAULT 1,
    CHECK ((pending_nonce IS NULL) = (pending_due_utc IS NULL)),
    CHECK (repeat <> 'weekly' OR weekday IS NOT NULL)
);
-- /schedule list, remove and a zone change all work on one server's rows.
CREATE INDEX announcements_guild ON announcements (guild_id, active);
