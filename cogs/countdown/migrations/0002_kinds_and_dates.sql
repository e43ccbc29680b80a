-- Countdown events: what a yearly one celebrates, and whether it is a date without a time.
-- NULL kind: not said (shown as "every year"); one of birthday, anniversary, debut, other.
ALTER TABLE countdown_events ADD COLUMN kind TEXT
    CHECK (kind IS NULL OR kind IN ('birthday', 'anniversary', 'debut', 'other'));
-- 1: a date in the zone of starts_at's offset (starts_at is 00:00 that day), shown and
-- counted as a date, never converted to another zone.
ALTER TABLE countdown_events ADD COLUMN date_only INTEGER NOT NULL DEFAULT 0;
-- The IANA zone the event was given in (the server's then), so a date stays in its own zone
-- with its daylight saving; NULL for older rows, which keep only the offset in starts_at.
ALTER TABLE countdown_events ADD COLUMN zone TEXT;
-- Until now a date without a time was stored as 00:00 on the server's clock; an explicit
-- "00:00" was stored the same way and is far rarer, so midnight ones become dates.
UPDATE countdown_events SET date_only = 1 WHERE substr(starts_at, 11, 9) = 'T00:00:00';
