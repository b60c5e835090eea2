"""Client pages: home, practice player, hold page, history, settings."""
