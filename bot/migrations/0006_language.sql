-- The language the bot writes in for the whole channel (trivia rounds and reveals,
-- scheduled announcements): 'auto' follows the server's Discord locale, as before this
-- column; 'ko' or 'en' is a moderator's choice (/config language).
ALTER TABLE guild_settings ADD COLUMN language TEXT NOT NULL DEFAULT 'auto';
