"""Same numbers as the CLI on the demo city, and as the reference tools (esda,
scikit-learn, R NearRepeat) on the golden inputs."""

import json

import numpy as np
import pandas as pd
import pytest

import crimescape as cs
from conftest import FIXTURES, SHARED_GOLDEN, read_cli


def plain(df):
    """The table without geometry (a GeoDataFrame when geopandas is installed)."""
    return pd.DataFrame(df.drop(columns=["geometry"], errors="ignore"))


@pytest.mark.parametrize(
    "fn, cmd, stem, kwargs, flags",
    [
        (cs.grid_counts, "grid", "counts", dict(cell=100, by_category=True), ["--cell", "100", "--by-category"]),
        (cs.kde, "kde", "kde", dict(bandwidth=250, kernel="gaussian"), ["--bandwidth", "250", "--kernel", "gaussian"]),
        (cs.gi_star, "gistar", "gistar", dict(permutations=99, seed=3), ["--permutations", "99", "--seed", "3"]),
        (
            cs.gi_star,
            "gistar",
            "gistar",
            dict(permutations=0, neighbours="knn", k=6, fdr=True, extent="hull"),
            ["--permutations", "0", "--neighbours", "knn", "--k", "6", "--fdr", "--extent", "hull"],
        ),
        (cs.gi_star, "gistar", "gistar", dict(permutations=19, hex=True), ["--permutations", "19", "--hex"]),
        (cs.local_moran, "moran", "moran", dict(permutations=99, alpha=0.1), ["--permutations", "99", "--alpha", "0.1"]),
        (cs.hotspot_change, "change", "change", dict(split="2024-07-01", cell=150), ["--split", "2024-07-01", "--cell", "150"]),
        (
            cs.emerging_hotspots,
            "emerging",
            "emerging",
            dict(period_days=30, cell=200, fdr=True),
            ["--period-days", "30", "--cell", "200", "--fdr"],
        ),
    ],
)
def test_hotspots_match_cli(fn, cmd, stem, kwargs, flags, city, incidents, cli, tmp_path):
    cli("hotspots", cmd, *flags, "-o", tmp_path / "cli", city / "incidents.csv")
    ours = plain(fn(incidents, **kwargs))
    theirs = read_cli(tmp_path / "cli" / f"{stem}.csv")
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert len(ours) > 100


def test_defaults_match_cli(city, incidents, cli, tmp_path):
    """No keyword argument: the CLI's defaults (999 permutations, seed 12345, queen)."""
    cli("hotspots", "gistar", "-o", tmp_path / "cli", city / "incidents.csv")
    ours = plain(cs.gi_star(incidents))
    pd.testing.assert_frame_equal(ours, read_cli(tmp_path / "cli" / "gistar.csv"), check_exact=True)


def test_knox_matches_cli(city, incidents, cli, tmp_path):
    cli("near-repeat", "--nrep", "99", "--seed", "5", "-o", tmp_path / "cli", city / "incidents.csv")
    kx = cs.knox(incidents, nrep=99, seed=5)
    theirs = read_cli(tmp_path / "cli" / "knox.csv")
    pd.testing.assert_frame_equal(kx.table, theirs, check_exact=True)
    with open(tmp_path / "cli" / "knox.json") as f:
        j = json.load(f)
    assert kx.observed.to_numpy().tolist() == j["observed"]
    assert np.array_equal(kx.ratio.to_numpy(), np.array(j["permutation"]["knox_ratio"]))
    assert kx.summary == j["summary"]
    # the planted near repeats: an excess in the closest band
    assert kx.ratio.iloc[0, 0] > 1.2 and kx.p.iloc[0, 0] < 0.05


def test_clusters_match_cli(city, incidents, cli, tmp_path):
    cli("clusters", "--eps", "60", "--min-samples", "8", "-o", tmp_path / "cli", city / "incidents.csv")
    theirs = read_cli(tmp_path / "cli" / "labels.csv")
    ours = cs.dbscan(incidents, eps=60, min_samples=8)
    assert ours.dtype == np.int64 and len(ours) == len(incidents)
    expected = theirs["label"].fillna(-1).astype(np.int64).to_numpy()
    assert np.array_equal(ours, expected)
    assert (ours >= 0).sum() > 0


def test_st_dbscan_and_hdbscan_match_cli(city, incidents, cli, tmp_path):
    """st_dbscan runs the library's clusters study (as the CLI): incidents without a
    time are -1; hdbscan's min_samples goes through HdbscanParams' builder."""
    csv = city / "incidents.csv"
    cli("clusters", "--method", "st-dbscan", "--eps", "100", "--eps-days", "7", "--min-samples", "5",
        "-o", tmp_path / "st", csv)
    theirs = read_cli(tmp_path / "st" / "labels.csv")["label"].fillna(-1).astype(np.int64).to_numpy()
    ours = cs.st_dbscan(incidents, eps=100, eps_days=7, min_samples=5)
    assert np.array_equal(ours, theirs) and (ours >= 0).any()
    cli("clusters", "--method", "hdbscan", "--min-cluster-size", "20", "--min-samples", "5",
        "-o", tmp_path / "h", csv)
    theirs = read_cli(tmp_path / "h" / "labels.csv")["label"].fillna(-1).astype(np.int64).to_numpy()
    ours = cs.hdbscan(incidents, min_cluster_size=20, min_samples=5)
    assert np.array_equal(ours, theirs) and (ours >= 0).any()


# ---------------------------------------------------------------- golden


def golden_gistar_cells():
    full = SHARED_GOLDEN / "gistar" / "A" / "cells.csv"
    if full.exists():
        return pd.read_csv(full)
    return pd.read_csv(FIXTURES / "golden" / "hotspots" / "A_cells_sample.csv")


def test_gistar_and_moran_match_esda_golden():
    """esda G_Local(star=True, transform='B') and Moran_Local on input A (200 m grid)."""
    inc = cs.load_incidents(FIXTURES / "golden" / "hotspots" / "A_input_xy.csv", crs="local-m")
    gi = plain(cs.gi_star(inc, cell=200, permutations=0))
    lm = plain(cs.local_moran(inc, cell=200, permutations=0))
    assert len(gi) == 10_000
    g = golden_gistar_cells().set_index("cell_id")
    ours = gi.set_index("cell_id").loc[g.index]
    assert np.array_equal(ours["count"].to_numpy(), g["count"].to_numpy())
    assert np.allclose(ours["gi_z"], g["gi_z"], rtol=1e-9, atol=1e-12)
    assert np.allclose(ours["gi_p"], g["gi_p_norm_2s"], rtol=1e-9, atol=1e-12)
    mo = lm.set_index("cell_id").loc[g.index]
    assert np.allclose(mo["lm_I"], g["lm_I"], rtol=1e-9, atol=1e-12)
    quad = mo["lm_quadrant"].map({"HH": 1, "LH": 2, "LL": 3, "HL": 4}).to_numpy()
    # quadrants: exact except where the lag is 0 in exact arithmetic (then I = 0 and
    # the lag's sign is rounding noise, as in the Rust parity test)
    clear = np.abs(g["lm_I"].to_numpy()) > 1e-9
    assert clear.sum() > 0.9 * len(g)
    assert np.array_equal(quad[clear], g["lm_q"].to_numpy()[clear])


def test_dbscan_and_hdbscan_match_sklearn_golden():
    """sklearn DBSCAN(eps=100, min_samples=10) and HDBSCAN(min_cluster_size=25) on A."""
    xy = pd.read_csv(FIXTURES / "golden" / "dbscan" / "A" / "input_xy.csv")[["x", "y"]].to_numpy()
    g = pd.read_csv(FIXTURES / "golden" / "dbscan" / "A" / "labels.csv")
    assert np.array_equal(cs.dbscan(xy, eps=100, min_samples=10), g["dbscan_label"].to_numpy())
    h = cs.hdbscan(xy, min_cluster_size=25)
    gh = g["hdbscan_sklearn_label"].to_numpy()
    # same clusters; noise differs for 2 of 2,000 points (border points at tied
    # distances), as measured when this test was written
    assert len(set(h)) == len(set(gh))
    assert ((h == -1) != (gh == -1)).sum() <= 10
    both = (h >= 0) & (gh >= 0)
    pairs = set(zip(h[both], gh[both]))
    assert len(pairs) == len(set(h[both])) == len({b for _, b in pairs})


def test_knox_matches_nearrepeat_golden():
    """R NearRepeat observed counts on input C (arson, EPSG:26971), NearRepeat's bands."""
    inc = cs.load_incidents(FIXTURES / "golden" / "near_repeat" / "C" / "input.csv", crs="EPSG:26971")
    kx = cs.knox(
        inc,
        space=[0, 1, 201, 401, 601, 801, 1001, float("inf")],
        time=[0, 1, 8, 15, 22, 29, float("inf")],
        nrep=99,
    )
    g = pd.read_csv(FIXTURES / "golden" / "near_repeat" / "C" / "knox_manhattan.long.csv")
    assert kx.table["observed"].tolist() == g["observed"].tolist()


def test_fit_rtm_matches_cli(city, incidents, cli, tmp_path):
    layers = [
        f"bars={city / 'bars.geojson'}",
        f"atms={city / 'atms.geojson'}",
        f"lights={city / 'lights.geojson'}:status=out",
        f"bus_stops={city / 'bus_stops.geojson'}",
    ]
    args = [a for spec in layers for a in ("--layer", spec)]
    cli("risk", "fit", *args, "--null-shifts", "49", "-o", tmp_path / "cli", city / "incidents.csv")
    fit = cs.fit_rtm(incidents, layers, null_shifts=49)
    pd.testing.assert_frame_equal(fit.factors, read_cli(tmp_path / "cli" / "factors.csv"), check_exact=True)
    pd.testing.assert_frame_equal(plain(fit.risk), read_cli(tmp_path / "cli" / "risk.csv"), check_exact=True)
    with open(tmp_path / "cli" / "model.json") as f:
        assert fit.model == json.load(f)
    # the dict form of the layers is the same model
    same = cs.fit_rtm(
        incidents,
        {
            "bars": city / "bars.geojson",
            "atms": city / "atms.geojson",
            "lights": (city / "lights.geojson", "status=out"),
            "bus_stops": city / "bus_stops.geojson",
        },
        null_shifts=49,
    )
    pd.testing.assert_frame_equal(same.factors, fit.factors)
    assert set(fit.to_dict()) == {"factors", "summary", "model"}
    # the planted factors (ATMs, bars) are found
    assert {"atms", "bars"} <= set(fit.factors["layer"])


def test_assess_matches_cli(full_demo, cli, tmp_path):
    c = full_demo / "city"
    props = sorted((full_demo / "assess").glob("proposal_*.geojson"))
    assert len(props) == 2
    layers = [c / f"{n}.geojson" for n in ("lights", "bars", "atms", "bus_stops", "vacant_lots")]
    model = full_demo / "risk" / "model.json"
    args = ["assess", "--streets", c / "streets.geojson", "--spaces", c / "parks.geojson"]
    for p in props:
        args += ["--proposal", p]
    for l in layers:
        args += ["--layer", l]
    cli(*args, "--model", model, "-o", tmp_path / "cli")
    a = cs.assess(c / "streets.geojson", props, spaces=[c / "parks.geojson"], layers=layers, model=model)
    with open(tmp_path / "cli" / "assessment.json") as f:
        assert a.to_dict() == json.load(f)
    assert set(a.proposals["name"]) == {"gate-park", "repair-lights"}
    assert a.dominated == ["gate-park"]
