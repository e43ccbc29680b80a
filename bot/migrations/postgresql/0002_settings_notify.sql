-- Every change of a server's settings, by any writer (this bot's processes, the dashboard,
-- an operator's SQL), is announced by the database itself on the channel `fanbot_settings`
-- with the server's id, so each process drops that server from its cache
-- (`GuildSettingsStore.follow_changes`). A TRUNCATE announces `*`: every server.
-- Notifications are sent when the transaction commits, and one per server however many of
-- its rows it changed (PostgreSQL folds equal ones). SQLite has no such track: one process
-- is its only writer, and its cache is set by its own changes.
-- (The function's body is quoted with '...', not $$...$$: the migrations are split into
-- statements at each `;` outside a quoted string, and by SQLite's rules, which read a
-- `CREATE TRIGGER` on to an `END`: hence `CREATE OR REPLACE TRIGGER`, PostgreSQL 14 on.)

CREATE FUNCTION fanbot_settings_changed() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    IF TG_OP = ''TRUNCATE'' THEN
        PERFORM pg_notify(''fanbot_settings'', ''*'');
        RETURN NULL;
    END IF;
    IF TG_OP IN (''UPDATE'', ''DELETE'') THEN
        PERFORM pg_notify(''fanbot_settings'', OLD.guild_id::text);
    END IF;
    IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
        PERFORM pg_notify(''fanbot_settings'', NEW.guild_id::text);
    END IF;
    RETURN NULL;
END
';

CREATE OR REPLACE TRIGGER guild_settings_notify
    AFTER INSERT OR UPDATE OR DELETE ON guild_settings
    FOR EACH ROW EXECUTE FUNCTION fanbot_settings_changed();
CREATE OR REPLACE TRIGGER guild_settings_notify_truncate
    AFTER TRUNCATE ON guild_settings
    FOR EACH STATEMENT EXECUTE FUNCTION fanbot_settings_changed();

CREATE OR REPLACE TRIGGER feature_settings_notify
    AFTER INSERT OR UPDATE OR DELETE ON feature_settings
    FOR EACH ROW EXECUTE FUNCTION fanbot_settings_changed();
CREATE OR REPLACE TRIGGER feature_settings_notify_truncate
    AFTER TRUNCATE ON feature_settings
    FOR EACH STATEMENT EXECUTE FUNCTION fanbot_settings_changed();
