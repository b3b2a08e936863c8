"""Makes docs/dashboard.png, the README's picture: what `make run` serves at /dashboard/RU/US
(`diplo serve` on a new SQLite database: the seed and nothing else), the whole page as headless
Chromium draws it at a laptop's width, following the change stream.

    .venv/bin/python -m tests.dashboard_picture
    .venv/bin/python -m tests.dashboard_picture http://localhost:8000/dashboard/RU/US shot.png
"""

import sys
import tempfile
from pathlib import Path

from tests.browser import CHROMIUM, DevTools
from tests.test_dashboard import LIVE, PAIR, READY
from tests.test_faults import serving

PICTURE = Path(__file__).parent.parent / "docs" / "dashboard.png"
# Narrower than the page's widest layout (1180 px), so that the README, which shows the picture
# about 900 px wide, scales its text down little.
WIDTH = 1024


def main() -> None:
    if CHROMIUM is None:
        sys.exit("chromium is not installed: bash .ci/install-chromium")
    if len(sys.argv) == 3:  # a page of a running server, into a file of your choice
        shoot(sys.argv[1], Path(sys.argv[2]))
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        serving(f"sqlite:///{folder}/diplomacy.db") as (base, _),
    ):
        shoot(base + PAIR, PICTURE)


def shoot(url: str, picture: Path) -> None:
    """The whole page, once it has drawn its data and follows the change stream."""
    with DevTools() as browser:
        png, height = browser.screenshot(url, f"{READY} && {LIVE}", WIDTH)
    picture.write_bytes(png)
    print(f"{picture} ({WIDTH}×{height})")


if __name__ == "__main__":
    main()
