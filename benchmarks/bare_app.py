"""The reference for benchmarks/load.py: a bare Flask endpoint, served by the same gunicorn
configuration as hearth, so the ratio measures what hearth adds and not the server."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():
    """A constant JSON answer: the least a Flask endpoint can do."""
    return jsonify(ok=True)
