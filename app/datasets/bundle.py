"""The bundled data sets as files: each folder's manifest (`dataset.yaml`), checked against the
files before anything is loaded (seed/datasets/README.md)."""

import datetime as dt
import gzip
import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from app.citations.anchoring import Document, is_xml

DATASETS_DIR = Path(__file__).resolve().parents[2] / "seed" / "datasets"


class BundleError(ValueError):
    """A bundled file is missing or is not the file its manifest names."""


@dataclass(frozen=True)
class BundledFile:
    path: str  # as published (a zip member: its name)
    media_type: str
    sha256: str
    text: str  # the bytes as published, decoded as UTF-8 (line breaks as they are)


@dataclass
class Bundle:
    """One data set's folder."""

    directory: Path

    @cached_property
    def manifest_bytes(self) -> bytes:
        return (self.directory / "dataset.yaml").read_bytes()

    @cached_property
    def manifest(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.manifest_bytes)
        return loaded

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def sha256(self) -> str:
        """The manifest's hash: what a load records, and a start compares."""
        return hashlib.sha256(self.manifest_bytes).hexdigest()

    def entries(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(the file in the folder, the manifest's entry) for every file it lists."""
        for entry in self.manifest["files"]:
            if "members" in entry:
                for member in entry["members"]:
                    yield entry["path"], member
            else:
                yield entry["path"], entry

    @cached_property
    def _files(self) -> dict[str, BundledFile]:
        return {}

    @cached_property
    def _documents(self) -> dict[str, Document]:
        return {}

    @cached_property
    def _archives(self) -> dict[str, zipfile.ZipFile]:
        return {}

    def read(self, path: str) -> BundledFile:
        """A file as published, checked against the manifest: a file of the folder, or a zip's
        member as `ZIP/MEMBER` (`rdcr-articles.zip/afghanistan.xml`). Read once a bundle."""
        if path in self._files:
            return self._files[path]
        for container, entry in self.entries():
            if entry["path"] == path or f"{container}/{entry['path']}" == path:
                file = self._files[path] = self._checked(container, entry, path)
                return file
        raise BundleError(f"{self.name}: the manifest lists no file {path!r}")

    def document(self, path: str) -> Document:
        """A file's text made ready for finding quotes in (as XML reads, for an XML file):
        once a bundle, for the reader that quotes it and the writer that checks the quotes."""
        if path not in self._documents:
            file = self.read(path)
            self._documents[path] = Document(file.text, xml=is_xml(file.media_type))
        return self._documents[path]

    def read_all(self, container: str) -> Iterator[BundledFile]:
        """Every member of a zip, in the manifest's order."""
        for path in self.members(container):
            yield self.read(path)

    def members(self, container: str) -> list[str]:
        """The paths (`ZIP/MEMBER`) of every member of a zip, in the manifest's order."""
        return [f"{outer}/{entry['path']}" for outer, entry in self.entries() if outer == container]

    def _checked(self, container: str, entry: dict[str, Any], path: str) -> BundledFile:
        where = self.directory / container
        try:
            if container.endswith(".zip"):
                if container not in self._archives:  # its directory read once
                    self._archives[container] = zipfile.ZipFile(where)
                data = self._archives[container].read(entry["path"])
            elif container.endswith(".gz"):
                data = gzip.decompress(where.read_bytes())
            else:
                data = where.read_bytes()
        except (OSError, KeyError, zipfile.BadZipFile) as error:
            raise BundleError(f"{self.name}: cannot read {container}: {error}") from error
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise BundleError(
                f"{self.name}: {entry['path']} is not the file the manifest names "
                f"(SHA-256 {digest}, manifest {entry['sha256']})"
            )
        return BundledFile(path, entry["media_type"], digest, data.decode("utf-8"))

    def source_fields(self, file: BundledFile, title: str | None = None) -> dict[str, Any]:
        """A file as a source: the data set's publisher, licence and dates, the file's text."""
        m = self.manifest
        published = m.get("published_on")
        return {
            "kind": "dataset",
            "title": title or f"{m['title']}: {file.path}",
            "publisher": m["publisher"],
            "published_on": dt.date.fromisoformat(published) if published else None,
            "date_precision": "day" if published else None,
            "retrieved_on": dt.date.fromisoformat(m["retrieved_on"]),
            "url": m.get("url"),
            "attribution": m["attribution"],
            "licence": m["licence"],
            "media_type": file.media_type,
            "text": file.text,
            "dataset": self.name,
            "path": file.path,
        }


def bundles(directory: Path = DATASETS_DIR) -> dict[str, Bundle]:
    """Every bundled data set, by name."""
    found = [Bundle(folder) for folder in sorted(directory.iterdir()) if folder.is_dir()]
    return {bundle.name: bundle for bundle in found if (bundle.directory / "dataset.yaml").exists()}
