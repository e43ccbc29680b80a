-- The scheduler keeps in memory only the runs due within its window (bot/scheduler/
-- dispatcher.py, ARM_WINDOW) and reads each window with one range query on this index,
-- instead of every row at start. `id` second: the query pages by (next_run_utc, id).
-- Partial (active rows only) rather than led by `active`: a query on `active = 1` alone,
-- such as the sweep for unconfirmed claims, then has no reason to walk it row by row.
CREATE INDEX announcements_next_run ON announcements (next_run_utc, id) WHERE active = 1;
-- Loading reads every unconfirmed claim (the restart recovery), and each pass sweeps them for
-- expired leases: both by id over the few claimed rows, not a scan of the table.
CREATE INDEX announcements_unconfirmed ON announcements (id) WHERE pending_nonce IS NOT NULL;
