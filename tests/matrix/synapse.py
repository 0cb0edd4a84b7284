"""A real Synapse homeserver for the tests: configured, started and stopped from Python.

Synapse lives in its own virtualenv (`.ci/run` makes `.venv-synapse`), so its pins never fight the
bot's; `SANHUI_SYNAPSE_PYTHON` names that interpreter. The server is tuned to start in seconds:
SQLite, one client listener on a free loopback port, no federation, cheap password hashing, and rate
limits raised so scenarios are never slowed down (one test lowers them for one user on purpose).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_NAME = "sanhui.test"
SHARED_SECRET = "sanhui-test-registration-secret"
_ENV_PYTHON = "SANHUI_SYNAPSE_PYTHON"
_REPO = Path(__file__).resolve().parents[2]

# Rate limits high enough that no scenario ever meets one (the limits are per user or per address).
_GENEROUS = {"per_second": 1000, "burst_count": 1000}


def synapse_python() -> str | None:
    """The interpreter that has Synapse installed: $SANHUI_SYNAPSE_PYTHON, else .venv-synapse, else this one."""
    candidates = [
        os.environ.get(_ENV_PYTHON, ""),
        str(_REPO / ".venv-synapse" / "bin" / "python"),
        sys.executable,
    ]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        found = subprocess.run(
            [candidate, "-c", "import synapse.app.homeserver"], capture_output=True, check=False
        )
        if found.returncode == 0:
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(directory: Path, port: int) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                # openid: /_matrix/federation/v1/openid/userinfo, where the web view checks a widget's token
                "resources": [{"names": ["client", "openid"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "log_config": str(directory / "log.yaml"),
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": SHARED_SECRET,
        "enable_registration": False,
        "report_stats": False,
        "bcrypt_rounds": 4,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "enable_metrics": False,
        "url_preview_enabled": False,
        "rc_message": _GENEROUS,
        "rc_registration": _GENEROUS,
        "rc_login": {"address": _GENEROUS, "account": _GENEROUS, "failed_attempts": _GENEROUS},
        "rc_joins": {"local": _GENEROUS, "remote": _GENEROUS},
        "rc_joins_per_room": _GENEROUS,
        "rc_invites": {"per_room": _GENEROUS, "per_user": _GENEROUS, "per_issuer": _GENEROUS},
        "rc_admin_redaction": _GENEROUS,
        "rc_room_creation": _GENEROUS,
        "rc_key_requests": _GENEROUS,
        "rc_3pid_validation": _GENEROUS,
        "rc_delayed_event_mgmt": _GENEROUS,
    }


_LOG_CONFIG = """\
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {path}
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


@dataclass
class Synapse:
    """A running homeserver; `url` is its client API base."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        log = self.directory / "homeserver.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        output = self.directory / "stdout.log"
        text += output.read_text(errors="replace") if output.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        """A blocking JSON request to the homeserver (set-up only; scenarios use real clients)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(
                f"{method} {path}: {error.code} {error.read().decode(errors='replace')}"
            ) from None

    def register(self, localpart: str, password: str, admin: bool = False) -> dict[str, Any]:
        """Register a user through the shared-secret admin API; returns user_id, access_token, device_id."""
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        message = b"\x00".join(
            [nonce.encode(), localpart.encode(), password.encode(), b"admin" if admin else b"notadmin"]
        )
        mac = hmac.new(SHARED_SECRET.encode(), message, hashlib.sha1).hexdigest()
        return self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac},
        )

    def login(self, localpart: str, password: str) -> dict[str, Any]:
        """A password login: a new device with its own access token."""
        return self.request(
            "POST",
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": localpart},
                "password": password,
            },
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_synapse(python: str, directory: Path, timeout: float = 60.0) -> Synapse:
    """Write a config, generate the signing key, start Synapse and wait until it answers."""
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config_path = directory / "homeserver.yaml"
    # JSON is YAML, so no YAML library is needed on this side.
    config_path.write_text(json.dumps(_config(directory, port), indent=2))
    (directory / "log.yaml").write_text(_LOG_CONFIG.format(path=directory / "homeserver.log"))
    base = [python, "-m", "synapse.app.homeserver", "--config-path", str(config_path)]
    subprocess.run([*base, "--generate-keys"], check=True, capture_output=True, cwd=directory)
    output = (directory / "stdout.log").open("wb")
    process = subprocess.Popen(base, stdout=output, stderr=subprocess.STDOUT, cwd=directory)
    server = Synapse(directory, port, process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited with {process.returncode}:\n{server.log_tail()}")
        try:
            server.request("GET", "/_matrix/client/versions")
            return server
        except (OSError, RuntimeError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"Synapse did not answer within {timeout} s:\n{server.log_tail()}"
                ) from None
            time.sleep(0.1)
