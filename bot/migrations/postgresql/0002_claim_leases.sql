-- Who is sending an unconfirmed claim, and until when it is theirs (bot/scheduler/store.py).
-- The same as the SQLite track's 0007_claim_leases.sql.
-- Several processes may share a database (shard clusters on PostgreSQL, a rolling restart):
-- a claim belongs to the scheduler instance that made or took it over (`claimed_by`) until
-- `claim_expires_utc`, a lease that its live process renews while the post is in flight.
-- Another process re-sends the claim only once the lease has run out, so a post being sent
-- by a live process is not sent again by one starting up. NULL (claims made before this
-- column): nobody's, taken over at once as before.
ALTER TABLE announcements ADD COLUMN claimed_by TEXT;
ALTER TABLE announcements ADD COLUMN claim_expires_utc TEXT;
-- The sweep for claims whose lease ran out reads only the few unconfirmed rows.
CREATE INDEX announcements_pending ON announcements (claim_expires_utc)
WHERE pending_nonce IS NOT NULL;
