-- As the SQLite track's 0010: who changed a setting (their name then) and where
-- ('command' or 'dashboard').
ALTER TABLE settings_changes ADD COLUMN user_name TEXT;
ALTER TABLE settings_changes ADD COLUMN via TEXT NOT NULL DEFAULT 'command';
