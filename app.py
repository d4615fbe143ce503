"""WSGI entry point: `gunicorn app:app` (configuration comes from the environment)."""

from checker.web import create_app

app = create_app()
