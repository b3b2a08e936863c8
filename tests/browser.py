"""Headless Chromium (Debian's `chromium` package; .ci/install-chromium installs it) for the
dashboard's test and its picture, driven over the DevTools protocol. (Not `--dump-dom` or
`--screenshot` runs: their `--virtual-time-budget` waits for the network to go idle, which a
page following the change stream never does.)"""

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from types import TracebackType
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
TIMEOUT = 60.0


def need_chromium() -> None:
    """Skips a browser test where chromium is missing; fails it in CI, which installs it."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with .ci/install-chromium")
        pytest.skip("chromium is not installed (bash .ci/install-chromium); CI always runs this")


def _above_4(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved


class DevTools:
    """One headless Chromium driven over `--remote-debugging-pipe`: it reads commands on its
    file descriptor 3 and writes answers on 4, each a JSON message ended by a NUL byte. A pipe
    needs no port and no WebSocket library, and dies with the browser."""

    def __init__(self) -> None:
        assert CHROMIUM is not None
        self._profile = tempfile.TemporaryDirectory()
        commands, self._to_browser = os.pipe()
        self._from_browser, answers = os.pipe()
        # The browser expects the pipes on descriptors 3 and 4, and bash puts them there (sh
        # takes no descriptor above 9); moved above 4 first, so that putting one on 3 cannot
        # overwrite the other.
        commands, answers = (_above_4(fd) for fd in (commands, answers))
        self._process = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{commands} 4>&{answers}', "bash", CHROMIUM, *FLAGS]
            + ["--remote-debugging-pipe", f"--user-data-dir={self._profile.name}"],
            pass_fds=(commands, answers),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands)
        os.close(answers)
        self._buffer = b""
        self._last_id = 0
        self._tabs: list[str] = []

    def __enter__(self) -> "DevTools":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # It may close its pipe before it answers, or be gone already: it is waited for below.
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.command("Browser.close")
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()

    def command(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Sends one command and waits for its answer; events arriving meanwhile are dropped."""
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                    raise TimeoutError(f"no answer to {method} in {TIMEOUT} s")
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("the browser closed its pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._last_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer["result"]
                return result

    def open(
        self,
        url: str,
        width: int,
        ready: str,
        *,
        mobile: bool = False,
        scripts: bool = True,
        cache: bool = True,
    ) -> str:
        """Opens `url` in a new tab `width` CSS pixels wide (as a phone's when `mobile`; with
        the page's scripts turned off unless `scripts`; bypassing the browser's HTTP cache
        unless `cache`) and waits until the expression `ready` is true there; returns the
        tab's session."""
        # One tab at a time: an open dashboard holds a connection (its change stream), and
        # a browser keeps six to a server.
        for earlier in self._tabs:
            with contextlib.suppress(RuntimeError):
                self.command("Target.closeTarget", targetId=earlier)
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
        self._tabs = [target]
        session: str = self.command("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.command(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        if not scripts:
            self.command("Emulation.setScriptExecutionDisabled", session, value=True)
        if not cache:
            self.command("Network.enable", session)
            self.command("Network.setCacheDisabled", session, cacheDisabled=True)
        self.command("Page.navigate", session, url=url)
        self.wait(session, url, ready)
        return session

    def wait(self, session: str, url: str, ready: str) -> None:
        """Until the tab shows `url` and `ready` is true there."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                # The address the tab was sent to, even where the page has rewritten its own.
                sent = "performance.getEntriesByType('navigation')[0]?.name"
                at = f"(location.href === {json.dumps(url)} || {sent} === {json.dumps(url)})"
                if self.evaluate(session, f"{at} && ({ready})"):
                    return
            except RuntimeError:
                pass  # asked while the page was being replaced: ask the new one
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} was not ready ({ready}) in {TIMEOUT} s")
            time.sleep(0.05)

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the tab (promises are awaited)."""
        answer = self.command(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression[:80]}…: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def dom(self, url: str, ready: str) -> str:
        """The page's DOM, serialized, once `ready` is true."""
        tab = self.open(url, 1280, ready)
        try:
            html: str = self.evaluate(tab, "document.documentElement.outerHTML")
            return html
        finally:
            self.close(tab)

    def screenshot(
        self, url: str, ready: str, width: int, mobile: bool = False, most: int | None = None
    ) -> tuple[bytes, int]:
        """A PNG of the whole page `width` CSS pixels wide, once `ready` is true, or of its
        top `most` pixels; and its height (the window is made as tall as what is shot, so
        that nothing is cut off)."""
        tab = self.open(url, width, ready, mobile=mobile)
        try:
            height = int(self.evaluate(tab, "document.documentElement.scrollHeight"))
            height = min(height, most or height)
            self.command(
                "Emulation.setDeviceMetricsOverride",
                tab,
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=mobile,
            )
            shot = self.command("Page.captureScreenshot", tab, format="png")
            return base64.b64decode(shot["data"]), height
        finally:
            self.close(tab)

    def close(self, session: str) -> None:
        target = self.command("Target.getTargetInfo", session)["targetInfo"]["targetId"]
        self.command("Target.closeTarget", targetId=target)
