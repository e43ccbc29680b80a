-- The quotes shown per channel on PostgreSQL, as the SQLite track 0001 leaves them.
CREATE TABLE quotes_shown (
    channel_id BIGINT  NOT NULL,
    quote_key  TEXT    NOT NULL,
    guild_id   BIGINT  NOT NULL,
    position   INTEGER NOT NULL,
    run_nonce  TEXT,
    PRIMARY KEY (channel_id, quote_key)
);
