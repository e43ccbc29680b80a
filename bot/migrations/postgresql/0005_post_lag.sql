-- As the SQLite track's 0007: how late an announcement's last post reached Discord, in
-- milliseconds after its due time; shown in /schedule list. NULL: not posted since.
ALTER TABLE announcements ADD COLUMN last_lag_ms INTEGER;
