-- The scheduler keeps in memory only the runs due within its window (bot/scheduler/
-- dispatcher.py, ARM_WINDOW) and reads each window with one range query on this index,
-- instead of every row at start. `id` last: the query pages by (next_run_utc, id).
CREATE INDEX announcements_next_run ON announcements (active, next_run_utc, id);
