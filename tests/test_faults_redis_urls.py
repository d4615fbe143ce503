"""REDIS_URL forms used in production: `rediss://` (TLS) and a Sentinel-managed primary
(`redis+sentinel://`), against real redis-server processes started here (the system binary,
which is built with TLS; skipped where it is missing)."""

from __future__ import annotations

import datetime
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from browserlike import answer_until_done, deployed_app, start
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flows import URGENT

from checker.redis_conn import RedisUrlError, connect, parse_sentinel_url

pytestmark = pytest.mark.slow  # starts processes or Redis servers of its own

SERVER = shutil.which("redis-server")
needs_server = pytest.mark.skipif(SERVER is None, reason="no system redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def process(args: list[str], ready: callable):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not ready():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=5)
        proc.stderr.close()


def _pings(url: str) -> bool:
    try:
        return bool(connect(url).ping())
    except (redis.RedisError, OSError):
        return False


def test_sentinel_url_parsing():
    hosts, service, primary, sentinels = parse_sentinel_url(
        "rediss+sentinel://:p%40ss@10.0.0.1:26379,[::1]:26380/mymaster/2"
        "?sentinel_password=sp&ssl_ca_certs=/ca.pem")
    assert hosts == [("10.0.0.1", 26379), ("::1", 26380)] and service == "mymaster"
    assert primary == {"db": 2, "password": "p@ss", "ssl": True, "ssl_ca_certs": "/ca.pem"}
    assert sentinels["password"] == "sp" and sentinels["ssl"] is True
    for bad in ("redis+sentinel://host/mymaster", "redis+sentinel://host:1/",
                "redis+sentinel://host:1/a/b/c"):
        with pytest.raises(RedisUrlError):
            parse_sentinel_url(bad)


@needs_server
def test_sentinel_managed_primary(tmp_path: Path, app_config, key_prefix):
    port, sentinel_port = free_port(), free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor mymaster 127.0.0.1 {port} 1\n")
    url = f"redis+sentinel://127.0.0.1:{sentinel_port}/mymaster/0"
    primary = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    with process([SERVER, *primary], lambda: _pings(f"redis://127.0.0.1:{port}")), \
            process([SERVER, str(conf), "--sentinel"], lambda: _pings(url)):
        client = connect(url)
        assert client.connection_pool.connection_kwargs["socket_timeout"] == 2.0
        app = deployed_app(app_config, REDIS_URL=url)
        web = app.test_client()
        page = answer_until_done(web, start(web), URGENT)
        assert 'data-outcome="urgent"' in page
        assert list(client.scan_iter(match=f"{key_prefix}*:screening"))


def _tls_files(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "redis.crt", tmp / "redis.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@needs_server
def test_rediss_tls_url_with_certificate_verification(tmp_path: Path, app_config):
    cert, key = _tls_files(tmp_path)
    port = free_port()
    url = f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={cert}"
    args = [SERVER, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
            "--tls-cert-file", str(cert), "--tls-key-file", str(key),
            "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--save", "",
            "--dir", str(tmp_path)]
    with process(args, lambda: _pings(url)):
        assert not _pings(f"redis://127.0.0.1:{port}/0")  # plain TCP is refused
        app = deployed_app(app_config, REDIS_URL=url)
        web = app.test_client()
        assert 'data-outcome="urgent"' in answer_until_done(web, start(web), URGENT)
