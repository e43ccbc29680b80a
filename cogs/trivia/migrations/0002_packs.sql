-- Trivia: difficulty and the imported pack on servers' own questions; the category on each
-- answer, so /trivia stats can break accuracy down by category even after a question is
-- removed or a shipped one is reworded.
ALTER TABLE trivia_questions ADD COLUMN difficulty TEXT
    CHECK (difficulty IS NULL OR difficulty IN ('easy', 'medium', 'hard'));
-- The file name a question was imported from; NULL for one added with /trivia-admin add.
ALTER TABLE trivia_questions ADD COLUMN pack TEXT;
CREATE INDEX trivia_questions_pack ON trivia_questions (guild_id, pack);

ALTER TABLE trivia_answers ADD COLUMN category TEXT;
-- Earlier answers to a server's own question still standing get its category; answers to
-- shipped questions from before this stay NULL (their category is only in data/).
UPDATE trivia_answers SET category = (
    SELECT q.category FROM trivia_rounds r JOIN trivia_questions q
    ON r.question_key = 'g:' || q.id WHERE r.id = trivia_answers.round_id
);
