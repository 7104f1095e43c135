"""The write layer and read helpers: every change to a synced table goes through here."""
