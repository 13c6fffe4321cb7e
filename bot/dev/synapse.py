"""A throw-away Synapse on 127.0.0.1 with SQLite, for the demo, the tests and the benchmarks.

Needs the `demo` (or `test`) extra: `pip install 'warmline[demo]'`. The config is written by
hand (no federation, no trusted key servers, bcrypt rounds lowered): see shared notes on
running Synapse on loopback. Rate limits are Synapse's defaults, as on a community's real
homeserver, except registration and login (below); an account a test or bench needs faster is
lifted by name with `lift()`, next to a comment saying why.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SERVER_NAME = "localhost"
_UNLIMITED = {"per_second": 10000, "burst_count": 10000}


class DevServerError(Exception):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _homeserver_yaml(workdir: Path, port: int, room_version: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "pid_file": str(workdir / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
        "log_config": str(workdir / "log.yaml"),
        "media_store_path": str(workdir / "media"),
        "signing_key_path": str(workdir / "signing.key"),
        "registration_shared_secret": secrets.token_hex(16),
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "enable_registration": False,
        "bcrypt_rounds": 4,
        "url_preview_enabled": False,
        "presence": {"enabled": False},
        # Lifted: the tests and benches register and log in dozens of accounts from
        # 127.0.0.1 within seconds, and these limits count per address, not per account.
        "rc_registration": _UNLIMITED,
        "rc_login": {k: _UNLIMITED for k in ("address", "account", "failed_attempts")},
    }
    if room_version is not None:
        config["default_room_version"] = room_version
    return config


_LOG_YAML = """version: 1
formatters: {plain: {format: '%(asctime)s %(levelname)s %(name)s: %(message)s'}}
handlers:
  file: {class: logging.FileHandler, filename: LOGFILE, formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


class LocalSynapse:
    def __init__(self, workdir: Path, room_version: str | None = None) -> None:
        """`room_version`: the server's default_room_version (None: Synapse's own default)."""
        self.workdir = workdir
        self.room_version = room_version
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._secret = ""
        self._admin_token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        try:
            import synapse  # noqa: F401
        except ImportError as exc:
            raise DevServerError(
                "Synapse is not installed; install the demo extra: pip install 'warmline[demo]'"
            ) from exc
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:  # a restart keeps its port, config and accounts
            self.port = _free_port()
            config = _homeserver_yaml(self.workdir, self.port, self.room_version)
            self._secret = config["registration_shared_secret"]
            (self.workdir / "homeserver.yaml").write_text(json.dumps(config, indent=1))
        (self.workdir / "log.yaml").write_text(
            _LOG_YAML.replace("LOGFILE", str(self.workdir / "homeserver.log"))
        )
        key = self.workdir / "signing.key"
        if not key.exists():
            subprocess.run(
                [sys.executable, "-m", "synapse._scripts.generate_signing_key", "-o", str(key)],
                check=True,
            )
        out = open(self.workdir / "stdout.log", "ab")  # noqa: SIM115 (owned by the child)
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.workdir / "homeserver.yaml"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            start_new_session=True,
        )
        out.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise DevServerError(
                    f"Synapse exited with {self._proc.returncode}; see {self.workdir}/stdout.log"
                )
            try:
                with urllib.request.urlopen(self.url + "/_matrix/client/versions", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.05)  # no readiness notification exists; poll the socket
        raise DevServerError(f"Synapse did not answer within {timeout:.0f} s")

    def _post(self, path: str, body: dict[str, Any] | None, token: str = "") -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.url + path, data=data, headers=headers)  # noqa: S310
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return dict(json.loads(resp.read()))

    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Registers a user with the shared secret; returns the Matrix ID."""
        return str(self._register(localpart, password, admin)["user_id"])

    def lift(self, user_id: str) -> None:
        """Exempts the account from every rate limit that counts per requester (messages,
        room creation, invites, joins), as a homeserver admin would with Synapse's
        override_ratelimit. Callers say next to the call why the account needs it."""
        if not self._admin_token:
            made = self._register("ratelimit-admin", secrets.token_urlsafe(12), admin=True)
            self._admin_token = str(made["access_token"])
        self._post(
            f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0},
            self._admin_token,
        )

    def _register(self, localpart: str, password: str, admin: bool) -> dict[str, Any]:
        nonce_url = self.url + "/_synapse/admin/v1/register"
        with urllib.request.urlopen(nonce_url, timeout=10) as resp:  # noqa: S310
            nonce = json.loads(resp.read())["nonce"]
        mac = hmac.new(self._secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(p.encode() for p in (nonce, localpart, password)))
        mac.update(b"\x00" + (b"admin" if admin else b"notadmin"))
        mac_hex = mac.hexdigest()
        try:
            result = self._post(
                "/_synapse/admin/v1/register",
                {
                    "nonce": nonce,
                    "username": localpart,
                    "password": password,
                    "admin": admin,
                    "mac": mac_hex,
                },
            )
        except urllib.error.HTTPError as exc:
            raise DevServerError(f"registering {localpart} failed: {exc.read()!r}") from exc
        return result

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
