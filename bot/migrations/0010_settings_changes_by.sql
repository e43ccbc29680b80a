-- Who changed a setting, as a moderator reads it, and where: `user_name` is the name they
-- had then (the history outlives a rename or a departure), `via` is 'command' (a slash
-- command) or 'dashboard' (the web dashboard). Rows from before: 'command', no name.
ALTER TABLE settings_changes ADD COLUMN user_name TEXT;
ALTER TABLE settings_changes ADD COLUMN via TEXT NOT NULL DEFAULT 'command';
