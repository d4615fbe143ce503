"""create_app(): configuration from defaults, environment and the dict passed in."""

from __future__ import annotations

from checker.checkins import CheckinRecorder
from checker.settings import DEFAULTS
from checker.store import ScreeningStore
from checker.web import create_app


def test_config_layers_and_extensions(app_config, monkeypatch):
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    monkeypatch.setenv("SCREENING_TTL", "3600")
    monkeypatch.setenv("CLINIC_NAME", "From Env")
    config = {k: v for k, v in app_config.items() if k not in ("EMERGENCY_NUMBER",
                                                                 "CLINIC_NAME")}
    app = create_app({**config, "CLINIC_NAME": "From Dict"})
    services = app.extensions["clotcheck"]
    settings = services.settings
    assert settings.emergency_number == "999"
    assert settings.screening_ttl == 3600
    assert settings.clinic_name == "From Dict"
    assert settings.key_prefix == app_config["REDIS_KEY_PREFIX"]
    assert services.redis.ping()
    assert services.locations.default.emergency_number == "999"
    consumers = services.finishes.consumers
    assert isinstance(consumers["checkins"].handle, CheckinRecorder) and "alerts" in consumers
    assert isinstance(services.store, ScreeningStore)
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'href="tel:999"' in html and "call 999" in html
    assert "From Dict" in html
    assert "kept for 1 hour so that" in html


def test_defaults(app_config, monkeypatch):
    for key in ("EMERGENCY_NUMBER", "SCREENING_TTL", "REDIS_KEY_PREFIX", "CLINIC_NAME"):
        monkeypatch.delenv(key, raising=False)
    config = {k: v for k, v in app_config.items() if k not in ("EMERGENCY_NUMBER", "CLINIC_NAME")}
    app = create_app(config)  # keeps the test's key prefix: never write under the real one
    assert app.extensions["clotcheck"].settings.emergency_number == "911"
    assert app.extensions["clotcheck"].settings.screening_ttl == 86400
    assert DEFAULTS["REDIS_KEY_PREFIX"] == "clotcheck:"
    assert app.template_folder.endswith("templates")
    assert app.static_folder.endswith("static")
