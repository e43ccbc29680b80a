-- The dashboard's stats per category for a whole server (SQLite's trivia 0007): its answers
-- grouped by category, read from this index alone (an index-only scan, already grouped).
CREATE INDEX trivia_answers_category ON trivia_answers (guild_id, category, correct);
