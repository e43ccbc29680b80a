"""The Love wins all fan bot: core services (settings, database, scheduler, client)."""
