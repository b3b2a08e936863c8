"""Makes the README's pictures in screenshots/: what `make run` serves (`diplo serve` on a new
SQLite database: the seed and the bundled data sets), each page as headless Chromium draws it at
a laptop's width, once it has drawn its data and follows the change stream.

    .venv/bin/python -m tests.dashboard_picture
    .venv/bin/python -m tests.dashboard_picture http://localhost:8000/dashboard/RU/US shot.png
"""

import sys
import tempfile
from pathlib import Path

from tests.browser import CHROMIUM, DevTools
from tests.test_dashboard import LIVE, PAIR, READY, RESULTS
from tests.test_faults import serving

SCREENSHOTS = Path(__file__).parent.parent / "screenshots"
# The README's pictures: the file, the page, and how much of its top (a long history is cut).
PICTURES = [
    ("dashboard.png", PAIR, 2400),
    ("world.png", "/dashboard/world?sender=US&year=1950", None),
    ("world-fr.png", "/dashboard/world?sender=FR&year=2022", 1000),
    ("country.png", "/dashboard/country/FR?sender=US", 1900),
    ("search.png", "/dashboard?q=row%20or%20nuland", 1100),
]
# A page is shown once it has drawn its data and follows the change stream; a search's, once
# its hits are listed (it follows nothing). Or a page saying what it cannot show (an unknown
# country), which never goes live.
SHOWN = f"({READY} && {LIVE}) || document.body.dataset.state === 'error'"
SHOWN_HITS = f"({RESULTS}) || document.body.dataset.state === 'error'"
# Narrower than the pages' widest layout (1180 px), so that the README, which shows the
# pictures about 900 px wide, scales their text down little.
WIDTH = 1024


def main() -> None:
    if CHROMIUM is None:
        sys.exit("chromium is not installed: bash .ci/install-chromium")
    if len(sys.argv) == 3:  # a page of a running server, into a file of your choice
        shoot(sys.argv[1], Path(sys.argv[2]), None)
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        serving(f"sqlite:///{folder}/diplomacy.db", DATASETS="all") as (base, _),
    ):
        SCREENSHOTS.mkdir(exist_ok=True)
        for name, path, most in PICTURES:
            shoot(base + path, SCREENSHOTS / name, most)


def shoot(url: str, picture: Path, most: int | None) -> None:
    """The page (or its top `most` pixels), once it is shown (`SHOWN`, `SHOWN_HITS`)."""
    shown = SHOWN_HITS if "?q=" in url else SHOWN
    with DevTools() as browser:
        png, height = browser.screenshot(url, shown, WIDTH, most=most)
    picture.write_bytes(png)
    print(f"{picture} ({WIDTH}×{height})")


if __name__ == "__main__":
    main()
