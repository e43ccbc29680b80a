"""What trivia adds to the dashboard: the server's own questions and packs
(`cogs.trivia.pages_questions`), and its leaderboards and stats (`cogs.trivia.pages_scores`)."""

from __future__ import annotations

from cogs.trivia.pages_questions import SECTION as QUESTIONS
from cogs.trivia.pages_scores import SECTION as SCORES

SECTIONS = (QUESTIONS, SCORES)
