"""Makes docs/dashboard.png, the README's picture: what `make run` serves at /dashboard/RU/US
(`diplo serve` on a new SQLite database: the seed and nothing else), the whole page as headless
Chromium's `--screenshot` draws it at a laptop's width.

    .venv/bin/python -m tests.dashboard_picture
"""

import sys
import tempfile
from pathlib import Path

from tests.browser import CHROMIUM, DevTools, chromium
from tests.test_dashboard import PAIR, READY
from tests.test_faults import serving

PICTURE = Path(__file__).parent.parent / "docs" / "dashboard.png"
# Narrower than the page's widest layout (1180 px), so that the README, which shows the picture
# about 900 px wide, scales its text down little.
WIDTH = 1024


def main() -> None:
    if CHROMIUM is None:
        sys.exit("chromium is not installed: bash .ci/install-chromium")
    with (
        tempfile.TemporaryDirectory() as folder,
        serving(f"sqlite:///{folder}/diplomacy.db") as (base, _),
    ):
        # The window is as tall as the page, so that nothing is cut off.
        with DevTools() as browser:
            tab = browser.open(base + PAIR, WIDTH, READY)
            height = browser.evaluate(tab, "document.documentElement.scrollHeight")
        chromium(base + PAIR, f"--screenshot={PICTURE}", f"--window-size={WIDTH},{height}")
    print(f"{PICTURE} ({WIDTH}×{height})")


if __name__ == "__main__":
    main()
