"""The jobs' Python dependencies as one artifact Glue 5.0 installs without internet: a "zip of
wheels" (`<name>.gluewheels.zip` holding `wheels/requirements.txt` and the wheels it names, for
`--additional-python-modules`), built from a lock file of exact pins and sha256 hashes.

- `lock` (maintainers, when a dependency changes): resolves the package's dependencies for
  Glue's platform (CPython 3.11, manylinux up to glibc 2.34: Amazon Linux 2023) with every
  library Glue 5.0 preinstalls held at Glue's version, and writes `glue5/requirements.txt`: only
  what Glue lacks, each `name==version --hash=sha256:…`.
- `build` (deploy.sh): downloads exactly the locked files (pip, hashes required, kept in a cache
  folder so that a redeploy downloads nothing), adds the package's own wheel, checks the bundle
  and writes the zip.
- `check`: every requirement of every wheel in the bundle (its METADATA, markers evaluated for
  Glue) is met by another wheel of the bundle or by a library Glue 5.0 preinstalls, and no wheel
  replaces a preinstalled library (Glue's own boto3, numpy, pandas, pyarrow stay as they are).
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

DATA = resources.files("bedrock_costs.deploy") / "glue5"
# Glue 5.0 workers: Amazon Linux 2023, glibc 2.34, x86_64 (pip matches each platform tag as
# given, and expands manylinux2014 down to the older manylinux tags)
PLATFORM = ["--platform", "manylinux_2_34_x86_64", "--platform", "manylinux_2_28_x86_64"]
PLATFORM += ["--platform", "manylinux2014_x86_64", "--python-version", "3.11"]
PIP_TARGET = [*PLATFORM, "--implementation", "cp", "--only-binary=:all:"]
# the environment markers of a Glue 5.0 worker (pip's are the deployer's machine's)
GLUE_MARKERS: dict[str, str] = {
    **{k: str(v) for k, v in default_environment().items()},
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "python_full_version": "3.11.6",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "extra": "",
}


class BundleError(Exception):
    """The bundle would not install or would replace a Glue library: one line, exit 2."""


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: Version
    hashes: tuple[str, ...] = ()

    def line(self, with_hashes: bool = True) -> str:
        hashes = "".join(f" --hash=sha256:{h}" for h in self.hashes) if with_hashes else ""
        return f"{self.name}=={self.version}{hashes}"


def read_pins(text: str) -> dict[str, Pin]:
    """`name==version [--hash=sha256:…]` lines (comments and blank lines aside)."""
    pins: dict[str, Pin] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("--") else ""
        if not line:
            continue
        spec, *options = line.split()
        name, _, version = spec.partition("==")
        hashes = tuple(o.removeprefix("--hash=sha256:") for o in options if o.startswith("--hash="))
        pins[canonicalize_name(name)] = Pin(canonicalize_name(name), Version(version), hashes)
    return pins


def preinstalled() -> dict[str, Pin]:
    """The libraries Glue 5.0 preinstalls, at Glue's versions."""
    return read_pins((DATA / "preinstalled.txt").read_text())


def locked() -> dict[str, Pin]:
    """What the jobs need and Glue lacks, pinned with hashes (`glue5/requirements.txt`)."""
    return read_pins((DATA / "requirements.txt").read_text())


def own_requirements() -> list[str]:
    """The package's run-time dependencies (extras left out), as pyproject.toml declares them."""
    return [
        r for r in metadata.requires("bedrock-costs") or [] if "extra" not in str(Requirement(r))
    ]


def resolve() -> dict[str, Pin]:
    """pip's resolution of the dependencies for Glue, preinstalled libraries held at Glue's
    versions; only what Glue lacks, with each file's sha256."""
    glue = preinstalled()
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp, "glue5.txt")
        constraints.write_text("".join(pin.line(False) + "\n" for pin in glue.values()))
        report = Path(tmp, "report.json")
        held = ["-c", str(constraints), "--report", str(report)]
        pip(
            [
                "install",
                "--quiet",
                "--dry-run",
                "--ignore-installed",
                *PIP_TARGET,
                *held,
                *own_requirements(),
            ]
        )
        resolved = json.loads(report.read_text())["install"]
    pins: dict[str, Pin] = {}
    for item in resolved:
        name = canonicalize_name(item["metadata"]["name"])
        version = Version(item["metadata"]["version"])
        if name not in glue:
            sha = item["download_info"]["archive_info"]["hashes"]["sha256"]
            pins[name] = Pin(name, version, (sha,))
    return pins


def pip(arguments: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise BundleError(f"pip {arguments[0]}: {last}")


def cached(pins: dict[str, Pin], cache: Path) -> dict[str, Path]:
    """The locked wheels in the cache folder, downloaded (only those missing) by pip with
    their hashes required; each file's sha256 checked against the lock."""
    cache.mkdir(parents=True, exist_ok=True)
    if not all(_find(pin, cache) for pin in pins.values()):
        with tempfile.TemporaryDirectory(dir=cache) as tmp:  # moved in whole: no half file
            wanted = Path(tmp, "requirements.txt")
            wanted.write_text("".join(pin.line() + "\n" for pin in pins.values()))
            into = ["-d", tmp, "-r", str(wanted)]
            pip(["download", "--quiet", "--no-deps", "--require-hashes", *PIP_TARGET, *into])
            for wheel in Path(tmp).glob("*.whl"):
                os.replace(wheel, cache / wheel.name)
    files = {}
    for pin in pins.values():
        found = _find(pin, cache)
        if found is None:
            raise BundleError(f"no wheel of {pin.line(False)} for Glue 5.0's platform in {cache}")
        files[pin.name] = found
    return files


def _find(pin: Pin, cache: Path) -> Path | None:
    for path in cache.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(path.name)
        same = (name, version) == (pin.name, pin.version)
        if same and digest(path) in pin.hashes:
            return path
    return None


def requirements_of(wheel: Path) -> list[Requirement]:
    """A wheel's Requires-Dist that apply on a Glue 5.0 worker."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(name).decode())
    wanted = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    return [r for r in wanted if r.marker is None or r.marker.evaluate(GLUE_MARKERS)]


def check(wheels: list[Path], glue: dict[str, Pin]) -> list[str]:
    """What the bundle relies on Glue 5.0 for (`name version` lines); BundleError naming the
    first requirement nothing meets, or a wheel that would replace a preinstalled library."""
    bundled = {}
    for wheel in wheels:
        name, version, _, _ = parse_wheel_filename(wheel.name)
        if name in glue and glue[name].version != version:
            raise BundleError(f"{wheel.name} would replace Glue 5.0's {name} {glue[name].version}")
        bundled[name] = version
    relied = set()
    for wheel in wheels:
        for need in requirements_of(wheel):
            name = canonicalize_name(need.name)
            have = bundled.get(name) or (glue[name].version if name in glue else None)
            if have is None or not need.specifier.contains(have, prereleases=True):
                found = f"found {have}" if have else "in neither the bundle nor Glue 5.0"
                raise BundleError(f"{wheel.name} needs {need}: {found}")
            if name not in bundled:
                relied.add(f"{name} {have}")
    return sorted(relied)


def build(own_wheel: Path, destination: Path, cache: Path) -> list[str]:
    """The zip of wheels for the jobs; returns what it relies on Glue 5.0 for."""
    pins = locked()
    files = cached(pins, cache)
    wheels = [*files.values(), own_wheel]
    relied = check(wheels, preinstalled())
    name, version, _, _ = parse_wheel_filename(own_wheel.name)
    lines = [pin.line(False) for pin in pins.values()] + [f"{name}=={version}"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) as archive:  # wheels: compressed
        _add(archive, "requirements.txt", ("\n".join(lines) + "\n").encode())
        for wheel in wheels:
            _add(archive, wheel.name, wheel.read_bytes())
    return relied


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """An entry dated 1980-01-01: the same inputs make the same zip, byte for byte (so a
    redeploy finds the uploaded one unchanged)."""
    archive.writestr(zipfile.ZipInfo(f"wheels/{name}", (1980, 1, 1, 0, 0, 0)), data)


def write_lock(path: Path) -> None:
    pins = resolve()
    head = (
        "# What the Glue jobs need that AWS Glue 5.0 does not preinstall, pinned with the\n"
        "# sha256 of each file for Glue's platform. Written by `make glue-lock` (python -m\n"
        "# bedrock_costs.deploy.glue_wheels lock) after a dependency in pyproject.toml\n"
        "# changes; never by hand.\n"
    )
    path.write_text(head + "".join(pins[n].line() + "\n" for n in sorted(pins)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.glue_wheels")
    sub = parser.add_subparsers(dest="command", required=True)
    lock = sub.add_parser("lock", help="resolve the dependencies for Glue 5.0 into the lock")
    lock.add_argument("--to", type=Path, default=Path(str(DATA / "requirements.txt")))
    make = sub.add_parser("build", help="the zip of wheels the Glue jobs install")
    make.add_argument("--wheel", type=Path, required=True, help="the package's own wheel")
    make.add_argument("--to", type=Path, required=True, help="the .gluewheels.zip to write")
    make.add_argument("--cache", type=Path, required=True, help="downloaded wheels kept here")
    args = parser.parse_args(argv)
    try:
        if args.command == "lock":
            write_lock(args.to)
            return 0
        if not args.to.name.endswith(".gluewheels.zip"):
            raise BundleError(f"--to {args.to}: Glue takes a zip of wheels named *.gluewheels.zip")
        relied = build(args.wheel, args.to, args.cache)
    except BundleError as error:
        print(f"glue wheels: {error}", file=sys.stderr)
        return 2
    print("relies on Glue 5.0's " + ", ".join(relied))
    return 0


if __name__ == "__main__":
    sys.exit(main())
