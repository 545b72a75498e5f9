import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
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


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory):
    """The whole demo (city, analyses, the two design proposals and a risk model)."""
    d = tmp_path_factory.mktemp("demo")
    cs.demo_city(d, incidents=3000, size=3000, city_only=False)
    return d


def read_cli(path):
    """A CSV of the CLI with its reals parsed exactly (the module's frames hold the
    library's f64: straight from memory, or read with the round-trip parser)."""
    return pd.read_csv(path, **cs._CSV_KW)
