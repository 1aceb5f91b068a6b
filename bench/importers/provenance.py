"""Published raw files: where each comes from and the sha256 it must have before it is imported.

An importer reads only files a user downloaded from a public repository. Each file is checked
against the checksum of the published version ArchBench was written and tested against, so a
different release, a truncated download or an edited copy is refused instead of silently turned
into labels. ``allow_unknown=True`` imports an unverified text/JSON file anyway and the store
records that it was unverified; pickles are never unpickled unverified (that can run code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError
from bench.store import sha256_file


class ChecksumMismatch(UsageError):
    """A raw file whose sha256 is not the published one."""


@dataclass(frozen=True)
class PublishedFile:
    """One public raw file: repository, commit, path inside the repository, and its sha256."""

    repo: str
    commit: str
    path: str
    sha256: str
    #: pickles are only read when verified (unpickling an unknown file can execute code)
    pickle: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"

    def describe(self) -> str:
        return f"github.com/{self.repo}@{self.commit[:12]} {self.path}"


@dataclass(frozen=True)
class VerifiedFile:
    """A located raw file and what its checksum check found."""

    path: Path
    published: PublishedFile
    sha256: str

    @property
    def verified(self) -> bool:
        return self.sha256 == self.published.sha256


def locate(given: str | os.PathLike[str], published: PublishedFile, relative: str | None = None) -> Path:
    """The file itself when ``given`` is a file, else ``given/relative`` (default: the file name) or,
    failing that, the unique file of that name below ``given``."""
    given = Path(given).expanduser()
    if given.is_file():
        return given
    if not given.exists():
        raise FileNotFoundError(f"{given} does not exist (expected {published.name} or a folder holding it)")
    direct = given / (relative or published.name)
    if direct.is_file():
        return direct
    matches = sorted(p for p in given.rglob(published.name) if p.is_file())
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise FileNotFoundError(f"{published.name} not found under {given} (download it from {published.url})")
    raise UsageError(f"{len(matches)} files named {published.name} under {given}; give the file itself")


def verify(path: str | os.PathLike[str], published: PublishedFile, allow_unknown: bool = False) -> VerifiedFile:
    """Check ``path`` against the published sha256; refuse a mismatch unless ``allow_unknown``."""
    path = Path(path)
    got = sha256_file(path)
    if got != published.sha256:
        if published.pickle:
            raise ChecksumMismatch(
                f"{path}: sha256 {got[:16]}… is not the published {published.name} ({published.sha256[:16]}…, "
                f"{published.describe()}); unknown pickles are never unpickled"
            )
        if not allow_unknown:
            raise ChecksumMismatch(
                f"{path}: sha256 {got[:16]}… differs from the published {published.name} "
                f"(expected {published.sha256[:16]}…, {published.describe()}); "
                f"pass --allow-unknown-checksum to import it anyway"
            )
    return VerifiedFile(path, published, got)


def locate_and_verify(
    given: str | os.PathLike[str], published: PublishedFile, allow_unknown: bool = False, relative: str | None = None
) -> VerifiedFile:
    return verify(locate(given, published, relative), published, allow_unknown)


def provenance_meta(files: list[VerifiedFile]) -> dict[str, object]:
    """Store metadata for the raw files behind one benchmark: their sha256 and whether each matched."""
    unverified = [f.published.path for f in files if not f.verified]
    status = "every raw file matched its published sha256" if not unverified else (
        "UNVERIFIED (imported with --allow-unknown-checksum): " + ", ".join(unverified))
    return {
        "raw_sha256": {f.published.path: f.sha256 for f in files},
        "raw_checksum_status": status,
    }
