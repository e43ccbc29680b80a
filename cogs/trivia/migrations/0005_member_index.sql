-- /trivia stats reads a member's answers per category: without this index it scanned every
-- answer of the server (the window index leads with guild_id only).
CREATE INDEX trivia_answers_member ON trivia_answers (guild_id, user_id, category, correct);
