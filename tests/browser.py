"""Headless Chromium (Debian's `chromium` package; .ci/install-chromium installs it) for the
dashboard's test and its picture: run once per page (`--dump-dom`, `--screenshot`), or driven
over the DevTools protocol for what only a live page can tell, such as where things are drawn."""

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


def chromium(url: str, *options: str) -> str:
    """Loads the page in headless Chromium, lets its scripts run, returns standard output."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000"]
            + [*options, url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


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
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
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
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if self.evaluate(session, f"location.href === {json.dumps(url)} && ({ready})"):
                    return session
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
