"""The client's pages: home and history, practice (rating, player, reply, help) and settings."""
