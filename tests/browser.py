"""Debian's headless Chromium with the network blocked, for offline page tests.

:func:`load_page` opens a URL (``file://`` or loopback ``http://``) in ``/usr/bin/chromium``,
lets its scripts run (``--virtual-time-budget``) and returns the DOM they left, plus every
connection the browser tried to make beyond loopback. Those go to a proxy on loopback
(:class:`BlackHole`) that answers nothing and records the request line (``CONNECT host:443``,
``GET http://…``): a page that needs a CDN renders empty *and* shows up in the record. Loopback
is reached directly (Chromium bypasses proxies for it), so a test server on 127.0.0.1 works.
Background traffic of the browser itself is switched off by flags where Chromium has one; what
is left (the component updater and the account service, which this Chromium contacts even for
a blank page) goes to the same proxy and is told apart by its host,
:data:`BROWSER_OWN_HOSTS`: :attr:`Loaded.blocked` is what the *page* tried to reach.

``.ci/run`` installs the ``chromium`` package when it is missing; without it the tests skip
locally and fail under CI (``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from types import TracebackType

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

BROWSER_OWN_HOSTS = frozenset(
    {"update.googleapis.com", "accounts.google.com", "clients2.google.com"}
)
"""Hosts Chromium itself contacts with the flags below, even for ``data:text/html,<p>``."""

_QUIET = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--no-pings",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,"
    "NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,AccountConsistency,"
    "DiceWebSigninInterception,SigninInterceptBubbleV2,ChromeWhatsNewUI",
    "--component-updater=disable-background-downloads",
    "--allow-pre-commit-input",
)


def require_chromium() -> str:
    """The Chromium executable; skips the test without one (fails under CI)."""
    if os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs the chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")


class BlackHole:
    """A proxy on loopback that records each request line and closes the connection."""

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2.0)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"(no request line)"
                self.requests.append(first.decode("latin-1"))

    def __enter__(self) -> BlackHole:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


@dataclass(frozen=True)
class Loaded:
    """What a page left: its DOM after the scripts ran, and the blocked connection attempts.

    Attributes
    ----------
    dom : str
    blocked : list of str
        Request lines of the page's attempts beyond loopback (the browser's own removed).
    browser_own : list of str
        Request lines to :data:`BROWSER_OWN_HOSTS`.
    stderr : str
    """

    dom: str
    blocked: list[str]
    browser_own: list[str]
    stderr: str


def _host(request_line: str) -> str:
    parts = request_line.split(" ")
    target = parts[1] if len(parts) > 1 else ""
    if "://" in target:
        target = target.split("://", 1)[1]
    return target.split("/", 1)[0].rsplit(":", 1)[0]


def load_page(url: str, *, budget_ms: int = 15_000, timeout: float = 120.0) -> Loaded:
    """Load ``url`` in headless Chromium with every non-loopback connection blocked.

    Parameters
    ----------
    url : str
        ``file:///…`` or ``http://127.0.0.1:…``.
    budget_ms : int
        Virtual time the page's scripts get before the DOM is dumped.
    timeout : float
        Wall seconds before the browser is killed.
    """
    chromium = require_chromium()
    with BlackHole() as hole, tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium,
                *_QUIET,
                f"--user-data-dir={profile}",
                f"--proxy-server=http://127.0.0.1:{hole.port}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    own = [r for r in hole.requests if _host(r) in BROWSER_OWN_HOSTS]
    page = [r for r in hole.requests if _host(r) not in BROWSER_OWN_HOSTS]
    return Loaded(done.stdout.decode(), page, own, done.stderr.decode(errors="replace"))
