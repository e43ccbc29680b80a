-- Trivia: a server's own question may come in Korean too (an imported pack's question_ko,
-- correct_ko, wrong1_ko..wrong3_ko, explanation_ko), shown to a Korean server's rounds.
-- All five texts or none (the pack's validation sees to it); the explanation may stay out.
ALTER TABLE trivia_questions ADD COLUMN question_ko TEXT;
ALTER TABLE trivia_questions ADD COLUMN correct_ko TEXT;
ALTER TABLE trivia_questions ADD COLUMN wrong1_ko TEXT;
ALTER TABLE trivia_questions ADD COLUMN wrong2_ko TEXT;
ALTER TABLE trivia_questions ADD COLUMN wrong3_ko TEXT;
ALTER TABLE trivia_questions ADD COLUMN explanation_ko TEXT;
