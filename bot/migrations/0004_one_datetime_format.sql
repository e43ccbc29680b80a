-- One stored form for instants across the database: `bot.clock.to_db`, UTC with six digits
-- of microseconds ('2024-05-01T00:00:00.000000+00:00'), so that text order is time order and
-- equal instants are equal text. Earlier versions wrote, in UTC, two other forms:
--   announcements (bot/scheduler.py's `_iso`): whole seconds, '2024-05-01T00:00:00+00:00';
--   settings_changes.changed_at (a raw `isoformat()`): the same when the microseconds were 0,
--   else already the to_db form.
-- So a 25-character value ending in '+00:00' gets its six zero digits; anything else is left
-- as it is. The other tables' instants were always written with to_db
-- (countdown_events.starts_at keeps the wall-clock offset it was given in, on purpose).

UPDATE announcements SET next_run_utc = substr(next_run_utc, 1, 19) || '.000000+00:00'
WHERE length(next_run_utc) = 25 AND substr(next_run_utc, 20) = '+00:00';

UPDATE announcements SET created_at = substr(created_at, 1, 19) || '.000000+00:00'
WHERE length(created_at) = 25 AND substr(created_at, 20) = '+00:00';

UPDATE announcements SET pending_due_utc = substr(pending_due_utc, 1, 19) || '.000000+00:00'
WHERE length(pending_due_utc) = 25 AND substr(pending_due_utc, 20) = '+00:00';

UPDATE announcements SET last_posted_at = substr(last_posted_at, 1, 19) || '.000000+00:00'
WHERE length(last_posted_at) = 25 AND substr(last_posted_at, 20) = '+00:00';

UPDATE announcements SET last_error_at = substr(last_error_at, 1, 19) || '.000000+00:00'
WHERE length(last_error_at) = 25 AND substr(last_error_at, 20) = '+00:00';

UPDATE settings_changes SET changed_at = substr(changed_at, 1, 19) || '.000000+00:00'
WHERE length(changed_at) = 25 AND substr(changed_at, 20) = '+00:00';
