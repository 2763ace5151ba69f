"""The jobs' dependencies as a zip of wheels Glue 5.0 installs offline (deploy/glue_wheels.py):
the lock against pyproject.toml and Glue's preinstalled libraries, the bundle's check on small
wheels made here, and one real build from the lock (pip, hashes required, cached)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bedrock_costs.deploy import glue_wheels
from bedrock_costs.deploy.glue_wheels import BundleError, Pin, check

ROOT = Path(__file__).resolve().parents[1]
GLUE = {
    "numpy": Pin("numpy", Version("1.26.4")),
    "boto3": Pin("boto3", Version("1.34.131")),
}


def wheel(folder: Path, name: str, version: str, *requires: str) -> Path:
    """A wheel holding only its METADATA: what the check reads."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    lines = [f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(lines) + "\n")
    return path


def test_the_lock_pins_what_pyproject_declares_and_never_a_glue_library():
    pins = glue_wheels.locked()
    glue = glue_wheels.preinstalled()
    for declared in map(Requirement, glue_wheels.own_requirements()):
        name = canonicalize_name(declared.name)
        have = pins[name].version if name in pins else glue[name].version
        assert declared.specifier.contains(have), declared
    assert not set(pins) & set(glue)  # Glue's own boto3, numpy, pandas, pyarrow kept
    assert all(len(pin.hashes) == 1 and len(pin.hashes[0]) == 64 for pin in pins.values())
    assert glue["boto3"].version == Version("1.34.131") and glue["pyarrow"].version.major == 17


def test_a_bundle_met_by_itself_and_glue_says_what_it_relies_on(tmp_path):
    wheels = [
        wheel(tmp_path, "app", "1.0", "lib>=2", "numpy>=1.22", "boto3; extra == 'aws'"),
        wheel(tmp_path, "lib", "2.1", "pywin32; sys_platform == 'win32'"),
    ]
    # the extra and the Windows-only requirement do not apply on a Glue worker
    assert check(wheels, GLUE) == ["numpy 1.26.4"]


@pytest.mark.parametrize(
    ("requires", "error"),
    [
        (["missing>=1"], "app-1.0-py3-none-any.whl needs missing>=1: in neither the bundle"),
        (["numpy>=2"], "app-1.0-py3-none-any.whl needs numpy>=2: found 1.26.4"),
        (["lib<2"], "needs lib<2: found 2.1"),
    ],
)
def test_a_requirement_nothing_meets_stops_the_bundle(tmp_path, requires, error):
    wheels = [wheel(tmp_path, "app", "1.0", *requires), wheel(tmp_path, "lib", "2.1")]
    with pytest.raises(BundleError, match=re.escape(error)):
        check(wheels, GLUE)


def test_a_wheel_replacing_a_glue_library_stops_the_bundle(tmp_path):
    wheels = [wheel(tmp_path, "app", "1.0", "numpy"), wheel(tmp_path, "numpy", "2.2.6")]
    with pytest.raises(BundleError, match=re.escape("numpy-2.2.6-py3-none-any.whl would replace")):
        check(wheels, GLUE)


def test_the_build_zips_exactly_the_locked_files_for_glue(tmp_path):
    own = wheel(tmp_path, "bedrock_costs", "0.1.0", "great-expectations==1.24.1", "boto3>=1.34")
    cache = Path.home() / ".cache" / "bedrock-costs" / "glue-wheels"  # deploy.sh's, shared
    target = tmp_path / "bedrock_costs-0.1.0.gluewheels.zip"
    command = [sys.executable, "-m", "bedrock_costs.deploy.glue_wheels", "build"]
    done = subprocess.run(
        [*command, "--wheel", own, "--to", target, "--cache", cache],
        capture_output=True,
        text=True,
        check=True,
    )
    relied = done.stdout.strip().removeprefix("relies on Glue 5.0's ").split(", ")
    assert {"boto3 1.34.131", "numpy 1.26.4", "pandas 2.2.2"} <= set(relied)
    pins = glue_wheels.locked()
    with zipfile.ZipFile(target) as archive:
        listed = archive.read("wheels/requirements.txt").decode().split()
        files = [n.removeprefix("wheels/") for n in archive.namelist()]
    assert listed == [pin.line(False) for pin in pins.values()] + ["bedrock-costs==0.1.0"]
    # one wheel per pin, each built for CPython 3.11 on x86_64 Linux or for any platform
    assert len(files) == len(pins) + 2 and own.name in files
    assert all(f.endswith(("py3-none-any.whl", "x86_64.whl")) for f in files if f.endswith("whl"))
    assert all("cp311" in f or "abi3" in f or "none-any" in f for f in files if f.endswith("whl"))
    bad = subprocess.run(
        [*command, "--wheel", own, "--to", tmp_path / "deps.zip", "--cache", cache],
        capture_output=True,
        text=True,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.strip().endswith("Glue takes a zip of wheels named *.gluewheels.zip")
