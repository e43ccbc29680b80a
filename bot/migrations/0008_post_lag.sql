-- How late an announcement's last post reached Discord, in milliseconds after its due time
-- (posts that fall due together go out under the global rate limit, one after another);
-- shown in /schedule list. NULL: not posted since this column came.
ALTER TABLE announcements ADD COLUMN last_lag_ms INTEGER;
