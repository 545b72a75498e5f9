import os
import shutil
import subprocess
from pathlib import Path

import pytest

import crimescape as cs

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
SHARED_GOLDEN = Path(os.environ.get("CRIMESCAPE_GOLDEN", REPO.parent / "shared" / "golden"))


def cli_binary():
    """The crimescape CLI to compare with: $CRIMESCAPE_BIN, else the repo's build."""
    env = os.environ.get("CRIMESCAPE_BIN")
    if env:
        return env
    for p in (REPO / "target" / "release" / "crimescape", REPO / "target" / "debug" / "crimescape"):
        if p.exists():
            return str(p)
    return shutil.which("crimescape")


@pytest.fixture(scope="session")
def cli():
    b = cli_binary()
    if b is None:
        pytest.skip("no crimescape CLI binary (cargo build, or set CRIMESCAPE_BIN) to compare with")

    def run(*args):
        subprocess.run([b, "--quiet", "--force", *map(str, args)], check=True, stdout=subprocess.DEVNULL)

    return run


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """The demo city (3,000 incidents on 3 km), written by the library."""
    d = tmp_path_factory.mktemp("city")
    cs.demo_city(d, incidents=3000, size=3000)
    return d / "city"


@pytest.fixture(scope="session")
def incidents(city):
    return cs.load_incidents(city / "incidents.csv")
