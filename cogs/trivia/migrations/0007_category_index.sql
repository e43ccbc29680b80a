-- The dashboard's stats per category for a whole server group its answers by category:
-- the member index leads with user_id, so the grouping sorted every answer of the server
-- in a temporary B-tree. This one hands them over already grouped, from the index alone.
CREATE INDEX trivia_answers_category ON trivia_answers (guild_id, category, correct);
