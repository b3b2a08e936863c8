"""The data sets bundled in seed/datasets/ are what their manifests say: every file listed is
there, byte for byte as published (a `.gz`'s inside, a `.zip`'s members), nothing unlisted is
there, each under an open licence the API knows, and the README credits each as its licence
asks (seed/datasets/README.md, docs/datasets.md §1)."""

import gzip
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.sources.licences import is_open, spdx_id

ROOT = Path(__file__).parent.parent
BUNDLE = ROOT / "seed" / "datasets"
MANIFESTS = sorted(BUNDLE.glob("*/dataset.yaml"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_three_data_sets_are_bundled() -> None:
    names = [path.parent.name for path in MANIFESTS]
    assert names == ["database-of-embassies", "hsg-office-historian", "us-mission-status"]


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda path: path.parent.name)
def test_every_file_is_as_its_manifest_says(manifest: Path) -> None:
    described: dict[str, Any] = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    folder = manifest.parent
    assert described["name"] == folder.name
    assert spdx_id(described["licence"]) == described["licence"]
    assert is_open(described["licence"])  # their texts will be public
    listed = {entry["path"] for entry in described["files"]}
    assert listed == {path.name for path in folder.iterdir()} - {"dataset.yaml"}
    for entry in described["files"]:
        path = folder / entry["path"]
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as bundle:
                assert bundle.namelist() == [member["path"] for member in entry["members"]]
                for member in entry["members"]:
                    data = bundle.read(member["path"])
                    assert (len(data), _sha256(data)) == (member["bytes"], member["sha256"])
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert (len(data), _sha256(data)) == (entry["bytes"], entry["sha256"]), entry["path"]
        data.decode("utf-8")  # every text is UTF-8, as a source's text must be


def test_the_readme_credits_each_data_set() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for manifest in MANIFESTS:
        described = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        # The attribution's opening words (its credit line), as the README prints them.
        credit = " ".join(described["attribution"].split()[:6])
        assert credit in readme, (manifest.parent.name, credit)
