-- A change of a server's schedule by any writer other than the scheduler's own steps (the
-- dashboard's process, another process of a shard cluster, an operator's SQL) is announced
-- by the database itself on the channel `fanbot_announcements` with the server's id, so the
-- process that owns the server re-reads its runs due within its window
-- (`Scheduler.follow_changes`): an announcement added elsewhere for five minutes from now is
-- posted on time, not at the owner's next read of its window. A TRUNCATE announces `*`.
-- Like `fanbot_settings` (0002_settings_notify.sql), notifications go out at commit, one per
-- server and transaction however many of its rows changed (PostgreSQL folds equal ones).
--
-- An UPDATE announces only what moves a row's place in the schedule (its next run, or its
-- removal), and not the scheduler's own steps, which the process taking them arms itself:
-- a claim (`pending_nonce` NULL to set: the next run moves on with it), a skip or a row
-- that can't be claimed (`last_error_at` set with the move); a confirm, a give-up and a
-- lease renewal leave the next run as it was. So 10,000 runs claimed at 09:00 send nothing.
-- The condition is the trigger's WHEN: such a row does not even call the function.
-- SQLite has no such track: one process is its only writer and arms its own changes.
-- (Quoted with '...', and `CREATE OR REPLACE TRIGGER`: see 0002_settings_notify.sql.)

CREATE FUNCTION fanbot_announcements_changed() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF TG_OP = ''TRUNCATE'' THEN
        PERFORM pg_notify(''fanbot_announcements'', ''*'');
    ELSIF TG_OP = ''DELETE'' THEN
        PERFORM pg_notify(''fanbot_announcements'', OLD.guild_id::text);
    ELSE
        PERFORM pg_notify(''fanbot_announcements'', NEW.guild_id::text);
        IF TG_OP = ''UPDATE'' AND OLD.guild_id <> NEW.guild_id THEN
            PERFORM pg_notify(''fanbot_announcements'', OLD.guild_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
';

CREATE OR REPLACE TRIGGER announcements_notify
    AFTER INSERT OR DELETE ON announcements
    FOR EACH ROW EXECUTE FUNCTION fanbot_announcements_changed();
CREATE OR REPLACE TRIGGER announcements_notify_update
    AFTER UPDATE ON announcements
    FOR EACH ROW
    WHEN (
        (OLD.next_run_utc IS DISTINCT FROM NEW.next_run_utc
            OR OLD.active IS DISTINCT FROM NEW.active
            OR OLD.guild_id IS DISTINCT FROM NEW.guild_id)
        AND NOT (OLD.pending_nonce IS NULL AND NEW.pending_nonce IS NOT NULL)
        AND NOT (OLD.last_error_at IS DISTINCT FROM NEW.last_error_at
            AND OLD.active IS NOT DISTINCT FROM NEW.active)
    )
    EXECUTE FUNCTION fanbot_announcements_changed();
CREATE OR REPLACE TRIGGER announcements_notify_truncate
    AFTER TRUNCATE ON announcements
    FOR EACH STATEMENT EXECUTE FUNCTION fanbot_announcements_changed();
