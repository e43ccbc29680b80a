-- Servers the bot was removed from, and when. A server's data is erased once it has been
-- gone long enough (bot/member_data.py); an invitation back deletes its row.
CREATE TABLE guild_departures (
    guild_id INTEGER PRIMARY KEY,
    left_at  TEXT    NOT NULL
);
