"""The Flask face of hearth: HTTP API, web pages, auth and CLI. Only HTTP concerns live here;
the app factory is service.app.create_app."""
