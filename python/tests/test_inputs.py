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
    # the working CRS must be in metres (as the CLI's --to-crs): feet and degrees are
    # refused, the error naming the keyword (the library's field is target_crs)
    for target in ("local-ft", "EPSG:4326"):
        with pytest.raises(cs.ParameterError, match="to_crs") as e:
            cs.load_incidents(df, crs="local-m", to_crs=target)
        assert e.value.column == "to_crs"


def test_load_settings_are_the_librarys():
    """load_incidents reads its keywords with the library's LoadSettings (the CLI's
    loading flags): the same checks, the keyword named in the error."""
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    with pytest.raises(cs.ParameterError, match="max_window") as e:
        cs.load_incidents(df, crs="local-m", max_window=-1)
    assert e.value.column == "max_window" and e.value.value == "-1"
    for bad in ("ab", "é"):
        with pytest.raises(cs.ParameterError, match="delimiter"):
            cs.load_incidents(df, crs="local-m", delimiter=bad)
    # the other columns are kept (to_pandas shows them), as before
    df["kind"] = ["a", "b"]
    assert list(cs.load_incidents(df, crs="local-m").to_pandas()["kind"]) == ["a", "b"]


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
    # the library's NeighbourSpec: band needs a radius
    with pytest.raises(cs.ParameterError, match="neighbours = band needs radius") as e:
        cs.gi_star(incidents, neighbours="band")
    assert e.value.column == "radius"
    with pytest.raises(cs.ParameterError):
        cs.kde(incidents, bandwidth="wide")
    with pytest.raises(cs.ParameterError):
        cs.dbscan(np.zeros((3, 3)))
    with pytest.raises(cs.ParameterError):
        cs.gi_star("not incidents")
    assert issubclass(cs.ParameterError, cs.CrimescapeError)


def test_grammars_are_the_librarys(incidents):
    """Dates, bandwidths and Near Repeat Calculator bands read with the library's
    grammars (the CLI's flags)."""
    with pytest.raises(cs.ParameterError, match="split") as e:
        cs.hotspot_change(incidents, split="someday")
    assert e.value.column == "split" and "YYYY-MM-DD" in str(e.value)
    with pytest.raises(cs.ParameterError, match="start"):
        cs.emerging_hotspots(incidents, start="2024-13-45")
    # FromStr for Bandwidth: spaces around K and before the unit are allowed
    a = cs.kde(incidents, bandwidth="knn:5", cell=300)
    b = cs.kde(incidents, bandwidth="KNN: 5", cell=300)
    assert np.array_equal(a["density_km2"], b["density_km2"])
    with pytest.raises(cs.ParameterError, match="bandwidth") as e:
        cs.kde(incidents, bandwidth="knn:x")
    assert e.value.column == "bandwidth"
    # NrcBands: N is a whole number (2.5 was cut to 2)
    with pytest.raises(cs.ParameterError, match="nrc"):
        cs.knox(incidents, nrc=(100, 2.5), nrep=9)
    with pytest.raises(cs.ParameterError, match="nrc_time"):
        cs.knox(incidents, nrc_time=(7, 3, 1), nrep=9)
    # band breaks: parse_breaks and KnoxParams' checks (-inf was read as +inf)
    with pytest.raises(cs.ParameterError, match="space") as e:
        cs.knox(incidents, space=(0, 100, float("-inf")), nrep=9)
    assert e.value.column == "space"
    assert cs.knox(incidents, space=(0, 100, float("inf")), nrep=9).table.shape[0] > 0


def test_st_dbscan_checks_eps_days(incidents):
    # the library's clusters study: a temporal radius must be a number of days >= 0
    with pytest.raises(cs.ParameterError, match="eps_days"):
        cs.st_dbscan(incidents, eps=100, eps_days=-1)


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
