"""What the benchmarks share: a client that behaves like a phone's browser, complete
screenings along one answer path per outcome, load from N client threads, and the Procfile's
`web` process deployed against a real Redis (REDIS_URL, else an embedded server)."""

from __future__ import annotations

import contextlib
import gzip
import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from honcho.environ import parse_procfile  # noqa: E402

from checker.flow import Answer, evaluate, options_for  # noqa: E402
from checker.questionnaire import Kind, question  # noqa: E402
from checker.redis_conn import connect  # noqa: E402
from devtools.embedded_redis import EmbeddedRedis  # noqa: E402
from devtools.run import with_scripts_dir  # noqa: E402

# --- answer paths: one per outcome level -------------------------------------------------------
# Each path names only the answers that steer it; every other question gets the plain "nothing
# to report" answer. The question order always comes from checker.flow.evaluate, so the paths
# stay correct when the flow changes (and a wrong expected level is caught before any HTTP).
_PLAIN = ("none", "no", "none_of_these", "other")

PATHS: dict[str, dict[str, Answer]] = {
    "emergency": {"emergency_now": ("chest_pain",)},
    "urgent": {"emergency_recent": "yes"},
    "defer": {"clot_history": "being_checked"},
    "modified": {"medicines": ("anticoagulant",)},
    "proceed": {},
}


def answer_for(qid: str, steer: Mapping[str, Answer], answers: Mapping[str, Answer]) -> Answer:
    if qid in steer:
        return steer[qid]
    codes = [o.code for o in options_for(qid, answers)]
    code = next((c for c in _PLAIN if c in codes), codes[0])
    return (code,) if question(qid).kind is Kind.CHECKBOX else code


def planned_answers(level: str) -> list[tuple[str, Answer]]:
    """The (question, answer) sequence for a path, checked against the triage engine."""
    answers: dict[str, Answer] = {}
    sequence: list[tuple[str, Answer]] = []
    progress = evaluate(answers)
    while progress.next_question is not None:
        qid = progress.next_question
        answers[qid] = answer_for(qid, PATHS[level], answers)
        sequence.append((qid, answers[qid]))
        progress = evaluate(answers)
    assert progress.outcome is not None and progress.outcome.level == level, (level, progress)
    return sequence


# --- a small HTTP client (http.client: far less client CPU than requests) ---------------------
@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float
    wire_bytes: int  # body bytes as sent (compressed when the server compressed it)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path


class Browser:
    """One client: a cookie jar and a fresh connection per request (sync gunicorn closes it).

    `encodings` is the Accept-Encoding sent: the load phases ask for what a phone accepts (so
    the server's compression work is measured); the page-weight pass asks for identity.
    """

    def __init__(self, port: int, encodings: str = "identity"):
        self.port = port
        self.encodings = encodings
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
                headers: Mapping[str, str] | None = None) -> Response:
        sent = {"Accept-Encoding": self.encodings, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body, sent)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return Response(resp.status, resp.headers, _decoded(data, resp.headers), elapsed,
                        len(data))


def phone_encodings() -> str:
    """What a phone browser accepts, limited to what this client can decode."""
    try:
        import brotli  # noqa: F401  (installed with flask-compress)
    except ImportError:
        return "gzip"
    return "br, gzip"


def _decoded(data: bytes, headers: http.client.HTTPMessage) -> bytes:
    encoding = headers.get("Content-Encoding", "identity").strip().lower()
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        import brotli

        return brotli.decompress(data)
    if encoding not in ("identity", ""):
        raise FlowError(f"cannot decode Content-Encoding {encoding!r}")
    return data


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_ATTR = re.compile(r"([\w:-]+)\s*=\s*\"([^\"]*)\"")


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}


def find_form(page: str, marker: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(action, hidden fields) of the first form whose tag or body carries `marker`."""
    for tag, body in _FORM.findall(page):
        if marker in tag or marker in body:
            hidden = [
                (a["name"], a.get("value", ""))
                for a in map(_attrs, _INPUT.findall(body))
                if a.get("type", "").lower() == "hidden" and "name" in a
            ]
            return _attrs(tag).get("action") or None, hidden
    raise AssertionError(f"no form with {marker!r} on the page:\n{page[:2000]}")


class FlowError(AssertionError):
    pass


def expect(resp: Response, status: int, what: str) -> Response:
    if resp.status != status:
        raise FlowError(f"{what}: HTTP {resp.status}, expected {status}: {resp.text[:300]}")
    return resp


# --- measurements -----------------------------------------------------------------------------
@dataclass
class Samples:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    screenings: int = 0

    def add(self, kind: str, seconds: float) -> None:
        self.seconds[kind].append(seconds)

    def merge(self, other: Samples) -> None:
        for kind, values in other.seconds.items():
            self.seconds[kind].extend(values)
        self.errors.extend(other.errors)
        self.screenings += other.screenings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


HX = {"HX-Request": "true", "HX-Boosted": "true"}  # what htmx sends for a boosted form


def submit(browser: Browser, path: str, form: list[tuple[str, str]],
           hx: Mapping[str, str] | None, what: str, out: Samples) -> tuple[Response, str]:
    """POST a form and arrive on the next page: (page, its path); times the whole step.

    A plain browser gets 303 and follows it (two requests); htmx gets the next page in the
    POST's own response, with its URL in HX-Push-Url (one request).
    """
    posted = browser.request("POST", path, form, hx)
    if hx and posted.status == 200 and posted.headers.get("HX-Push-Url"):
        out.add(what, posted.seconds)
        return posted, urllib.parse.urlsplit(posted.headers["HX-Push-Url"]).path
    expect(posted, 303, what)
    page = expect(browser.request("GET", posted.location, headers=hx), 200, f"after {what}")
    out.add(what, posted.seconds + page.seconds)
    return page, posted.location


def screening(browser: Browser, level: str, plan: list[tuple[str, Answer]], out: Samples,
              hx: Mapping[str, str] | None = None) -> None:
    """One complete screening; adds timings to `out`. Raises FlowError on a wrong page.

    The landing page is a full page load (the QR code opens it); every form after it is
    sent with `hx` headers when given (a phone with JavaScript), else as a plain browser.
    """
    landing = expect(browser.request("GET", "/"), 200, "landing")
    out.add("landing GET", landing.seconds)
    action, hidden = find_form(landing.text, 'data-action="start"')
    page, path = submit(browser, action or "/start", hidden, hx, "start", out)
    for qid, answer in plan:
        if f"/q/{qid}" not in path:
            raise FlowError(f"{level}: server asked {path}, expected {qid}")
        action, hidden = find_form(page.text, f'data-question="{qid}"')
        values = answer if isinstance(answer, tuple) else (answer,)
        page, path = submit(browser, action or path, hidden + [(qid, v) for v in values], hx,
                            "step", out)
    if path.endswith("/check"):
        action, hidden = find_form(page.text, "data-check-answers")
        page, path = submit(browser, action or path, hidden, hx, "finish", out)
    if f'data-outcome="{level}"' not in page.text:
        raise FlowError(f"{level}: ended on {path} without data-outcome={level!r}")
    out.screenings += 1


def run_clients(clients: int, seconds: float, work: Callable[[int, Samples], None]) -> tuple[
        Samples, float, float]:
    """Run `work(client_no, samples)` in a loop on N threads; (samples, wall s, client CPU s)."""
    stop = threading.Event()
    results = [Samples() for _ in range(clients)]

    def loop(n: int) -> None:
        while not stop.is_set():
            try:
                work(n, results[n])
            except (FlowError, OSError, http.client.HTTPException) as error:
                results[n].errors.append(f"{type(error).__name__}: {error}")
                if len(results[n].errors) > 50:
                    return

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(clients)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    merged = Samples()
    for result in results:
        merged.merge(result)
    return merged, wall, cpu


def tree_cpu_seconds(pid: int) -> float:
    """utime+stime of `pid` and its live descendants (gunicorn master + workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = defaultdict(list)
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            children[int(fields[1])].append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / ticks
        todo.extend(children.get(current, []))
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def real_redis(tmp: Path) -> Iterator[tuple[str, str]]:
    """(url, description): REDIS_URL if set, else an embedded server for this run."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"], "REDIS_URL (shared: other clients' commands count too)"
        return
    embedded = EmbeddedRedis(tmp / "redis").start()
    try:
        yield embedded.url, "embedded redis-server (unix socket, this run only)"
    finally:
        embedded.stop()


@contextlib.contextmanager
def web_process(env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """The Procfile's `web` line, run by the shell as a platform would; stopped on exit."""
    web = parse_procfile((ROOT / "Procfile").read_text()).processes["web"]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(web, shell=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).request("GET", "/healthz").status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"web process did not come up:\n{log.read().decode()}")
            time.sleep(0.1)
        yield proc
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the web process group (gunicorn master and workers); SIGKILL it after 15 s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass  # already gone (e.g. it failed to boot)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait()


@dataclass
class Deployment:
    """The Procfile's web process on a real Redis, under a key prefix of its own."""

    port: int
    base: str  # http://127.0.0.1:<port>
    redis_url: str
    redis_desc: str
    prefix: str
    env: dict[str, str]  # the web process's environment, for other Procfile processes
    web: subprocess.Popen
    redis: redis.Redis


@contextlib.contextmanager
def deployed(name: str, **extra_env: str) -> Iterator[Deployment]:
    """Start `web` as the Procfile does against REDIS_URL or an embedded Redis; on exit stop
    it and delete this run's keys (and only those)."""
    prefix = f"clotcheck-{name}-{uuid.uuid4().hex[:8]}:"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"clotcheck-{name}-") as tmp, \
            real_redis(Path(tmp)) as (url, redis_desc):
        env = dict(os.environ, REDIS_URL=url, REDIS_KEY_PREFIX=prefix, PORT=str(port),
                   INSTANCE_PATH=str(Path(tmp) / "instance"),
                   SECRET_KEY=os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
                   PATH=with_scripts_dir(os.environ.get("PATH", "")), **extra_env)
        client = connect(url)
        try:
            with web_process(env, port) as web:
                yield Deployment(port, f"http://127.0.0.1:{port}", url, redis_desc, prefix, env,
                                 web, client)
        finally:
            delete_prefix(client, prefix)
            client.close()


def delete_prefix(client: redis.Redis, prefix: str) -> int:
    deleted = 0
    for batch in _batched(client.scan_iter(match=f"{prefix}*", count=500), 500):
        deleted += client.unlink(*batch)
    return deleted


def _batched(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


