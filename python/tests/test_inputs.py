"""Data frames give the same result as files; bad input raises a clear exception."""

import numpy as np
import pandas as pd
import pytest

import crimescape as cs
from conftest import FIXTURES


def test_incidents_round_trip(incidents, city):
    df = incidents.to_pandas()
    assert len(df) == len(incidents) == 3000
    assert {"row", "x", "y", "time", "category"} <= set(df.columns)
    assert incidents.xy.shape == (3000, 2)
    assert incidents.working_crs == "EPSG:32631"
    assert incidents.report.empty  # the demo city has no bad row
    assert incidents.load_report["accepted"] == 3000


def test_dataframe_input_equals_file_input(incidents, city):
    df = pd.read_csv(city / "incidents.csv")
    from_df = cs.load_incidents(df)
    assert np.array_equal(from_df.xy, incidents.xy)
    a = cs.gi_star(incidents, permutations=19)
    b = cs.gi_star(from_df, permutations=19)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_exact=True)
    assert np.array_equal(cs.knox(from_df, nrep=9).ratio, cs.knox(incidents, nrep=9).ratio)


def test_geodataframe_input_equals_file_input(incidents, city):
    gpd = pytest.importorskip("geopandas", reason="geopandas not installed")
    df = pd.read_csv(city / "incidents.csv")
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    ).drop(columns=["lon", "lat"])
    from_gdf = cs.load_incidents(gdf, time="datetime")
    assert from_gdf.working_crs == incidents.working_crs
    assert np.allclose(from_gdf.xy, incidents.xy, atol=1e-6)
    gi = cs.gi_star(from_gdf, permutations=0)
    assert isinstance(gi, gpd.GeoDataFrame) and gi.crs == "EPSG:32631"
    assert gi.geometry.area.round(3).nunique() == 1


def test_rejections_are_reported(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("x,y,date\n500000,4649776,2024-01-01\nabc,4649776,2024-01-02\n500010,,2024-01-03\n")
    inc = cs.load_incidents(p, crs="EPSG:32618")
    assert len(inc) == 1
    assert inc.report["rows"].sum() == 2
    assert len(inc.load_report["rejections"]) == 2


def test_strict_raises_with_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("x,y\n500000,4649776\nabc,4649776\n")
    with pytest.raises(cs.InputError) as e:
        cs.load_incidents(p, crs="EPSG:32618", strict=True)
    assert e.value.row == 2 and e.value.path == str(p)


def test_wrong_column_in_file(tmp_path):
    with pytest.raises(cs.InputError, match="columns are"):
        cs.load_incidents(FIXTURES / "golden" / "hotspots" / "A_input_xy.csv", x="easting", crs="local-m")


def test_wrong_column_in_frame():
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(cs.InputError, match="no column 'X'") as e:
        cs.load_incidents(df, x="X", crs="local-m")
    assert e.value.column == "X"


def test_wrong_crs():
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(cs.CrsError):
        cs.load_incidents(df, crs="EPSG:999999")
    with pytest.raises(cs.CrimescapeError):
        cs.load_incidents(df, crs="not a crs")
    # the working CRS must be in metres (as the CLI's --to-crs): feet and degrees are refused
    for target in ("local-ft", "EPSG:4326"):
        with pytest.raises(cs.ParameterError, match="target_crs"):
            cs.load_incidents(df, crs="local-m", to_crs=target)


def test_empty_frame():
    with pytest.raises(cs.InputError, match="no rows"):
        cs.load_incidents(pd.DataFrame({"x": [], "y": []}))


def test_missing_file(tmp_path):
    with pytest.raises(cs.InputError) as e:
        cs.load_incidents(tmp_path / "nope.csv")
    assert "nope.csv" in str(e.value)


def test_bad_parameters(incidents):
    with pytest.raises(cs.ParameterError, match="neighbours"):
        cs.gi_star(incidents, neighbours="rook")
    with pytest.raises(cs.ParameterError, match="radius"):
        cs.gi_star(incidents, neighbours="band")
    with pytest.raises(cs.ParameterError):
        cs.kde(incidents, bandwidth="wide")
    with pytest.raises(cs.ParameterError):
        cs.dbscan(np.zeros((3, 3)))
    with pytest.raises(cs.ParameterError):
        cs.gi_star("not incidents")
    assert issubclass(cs.ParameterError, cs.CrimescapeError)


def test_determinism(incidents):
    a = cs.gi_star(incidents, permutations=49, seed=9)
    b = cs.gi_star(incidents, permutations=49, seed=9)
    assert np.array_equal(a["gi_p_sim"], b["gi_p_sim"])


def test_out_dir_keeps_cli_files(incidents, tmp_path):
    files = cs.gi_star(incidents, permutations=19, out_dir=tmp_path / "gi")
    for f in ["gistar.csv", "gistar.geojson", "gistar.png", "gistar.json", "gistar.csv.provenance.json"]:
        assert (tmp_path / "gi" / f).exists(), f
    # the in-memory path (no out_dir: numpy columns, no file) gives the same frame
    memory = cs.gi_star(incidents, permutations=19)
    pd.testing.assert_frame_equal(
        pd.DataFrame(memory.drop(columns=["geometry"], errors="ignore")),
        pd.DataFrame(files.drop(columns=["geometry"], errors="ignore")),
        check_exact=True,
    )
    # the same summary (gistar.json) but the provenance record, which names the files
    def summary(f):
        return {k: v for k, v in f.attrs["summary"].items() if k != "provenance"}

    assert summary(memory) == summary(files) and summary(memory)["result"]["n"] == len(memory)


def test_st_dbscan_labels(incidents):
    lab = cs.st_dbscan(incidents, eps=100, eps_days=7, min_samples=5)
    assert lab.shape == (len(incidents),) and lab.dtype == np.int64
    assert (lab >= 0).any()


def test_docstring_examples():
    """The runnable examples of the docstrings (help(crimescape.gi_star), ...)."""
    import doctest

    r = doctest.testmod(cs, extraglobs={"cs": cs}, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 8 and r.failed == 0


def test_help_explains_the_method():
    assert "Getis & Ord" in cs.gi_star.__doc__ and "permutations" in cs.gi_star.__doc__
    assert "NearRepeat" in cs.knox.__doc__


def test_knox_plot_and_to_geopandas(incidents):
    mpl = pytest.importorskip("matplotlib", reason="matplotlib not installed")
    mpl.use("Agg")
    ax = cs.knox(incidents, nrep=9).plot()
    assert len(ax.texts) == 16  # one label per band pair
    gpd = pytest.importorskip("geopandas", reason="geopandas not installed")
    g = incidents.to_geopandas()
    assert isinstance(g, gpd.GeoDataFrame) and len(g) == len(incidents) and g.crs == "EPSG:32631"
