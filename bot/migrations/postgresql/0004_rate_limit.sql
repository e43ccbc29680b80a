-- Discord's global rate limit, shared by every process of the bot (`bot.rate_limit`): one
-- row per limit, a token bucket refilled and taken from in one statement by the database's
-- clock. `tokens` below 0 are tokens already promised to requests still waiting. PostgreSQL
-- only: on SQLite one process keeps its bucket in memory.
CREATE TABLE rate_budget (
    name        TEXT             PRIMARY KEY,
    tokens      DOUBLE PRECISION NOT NULL,
    refilled_at TIMESTAMPTZ      NOT NULL
);
