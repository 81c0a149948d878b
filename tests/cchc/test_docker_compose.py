"""docker-compose.yml: the production-like stack. The web port is published on the loopback interface only: the
application speaks plain HTTP and trusts X-Forwarded-For/-Proto from the one proxy it declares (PROXY_COUNT), so
only that proxy, on the same machine, may reach it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def test_the_file_is_valid_yaml_with_the_same_services() -> None:
    assert set(_compose()["services"]) == {"web", "worker", "beat", "postgres", "redis"}


def test_the_web_port_is_published_on_the_loopback_interface_only() -> None:
    ports = _compose()["services"]["web"]["ports"]
    assert ports, "the web service publishes its port for the proxy"
    for port in ports:
        if isinstance(port, dict):  # the long syntax
            assert port.get("host_ip") == "127.0.0.1", port
        else:
            assert str(port).startswith("127.0.0.1:"), port


def test_no_other_service_publishes_a_port() -> None:
    services = _compose()["services"]
    assert [name for name, service in services.items() if name != "web" and service.get("ports")] == []


def test_the_app_declares_the_proxy_in_front_of_it() -> None:
    for name in ("web", "worker", "beat"):
        assert "PROXY_COUNT" in _compose()["services"][name]["environment"]
