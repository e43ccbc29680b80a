-- Quotes already shown in a channel in its current cycle, owned by cogs/symbols/: plain
-- /quote repeats none there until every other one was shown, across restarts too.
CREATE TABLE quotes_shown (
    channel_id INTEGER NOT NULL,
    quote_key  TEXT    NOT NULL,
    guild_id   INTEGER NOT NULL,
    -- Order within the cycle (1 = first): a new cycle never starts with the last one shown.
    position   INTEGER NOT NULL,
    -- The scheduled run that showed it, so a run rendered again shows the same quote.
    run_nonce  TEXT,
    PRIMARY KEY (channel_id, quote_key)
) WITHOUT ROWID;
