"""apply_rtm, rank_sites, evaluate and segments: the same numbers as the CLI on the
demo city, and clear errors on bad input."""

import json

import numpy as np
import pandas as pd
import pytest

import crimescape as cs
from conftest import read_cli
from test_parity import plain


def model_layers(demo):
    """The layers of the demo's risk model, NAME=PATH (the model's names)."""
    with open(demo / "risk" / "model.json") as f:
        m = json.load(f)
    names = sorted({f["variable"]["layer"] for f in m["factors"]})
    assert names, "the demo model has no factor"
    return [f"{n}={demo / 'city' / (n + '.geojson')}" for n in names]


def layer_flags(specs):
    return [a for s in specs for a in ("--layer", s)]


def test_apply_rtm_matches_cli(full_demo, cli, tmp_path):
    model = full_demo / "risk" / "model.json"
    specs = model_layers(full_demo)
    cli("risk", "apply", model, *layer_flags(specs), "-o", tmp_path / "cli")
    r = cs.apply_rtm(model, specs)
    theirs = read_cli(tmp_path / "cli" / "risk.csv")
    pd.testing.assert_frame_equal(plain(r.risk), theirs, check_exact=True)
    # relative risk: 1 in the lowest-risk cells, higher near the planted factors
    risk = r.risk["risk"].dropna()
    assert len(risk) > 1000 and risk.min() >= 1 - 1e-9 and risk.max() > 1.5
    assert "applied" in r.text
    assert set(r.to_dict()) == {"risk", "text"}
    if hasattr(r.risk, "geometry"):
        assert r.risk.crs is not None and r.risk.geometry.area.min() > 0


def test_apply_rtm_bad_input(full_demo, tmp_path):
    model = full_demo / "risk" / "model.json"
    # every model layer named, one of them a file that does not exist
    first, *rest = model_layers(full_demo)
    name = first.split("=", 1)[0]
    with pytest.raises(cs.InputError) as e:
        cs.apply_rtm(model, [f"{name}={tmp_path / 'nope.geojson'}", *rest])
    assert "nope.geojson" in str(e.value) and e.value.path.endswith("nope.geojson")
    with pytest.raises(cs.InputError):
        cs.apply_rtm(tmp_path / "missing_model.json", model_layers(full_demo))
    # LayerSpec's grammar (the CLI's --layer: NAME=PATH or PATH), the keyword named
    with pytest.raises(cs.ParameterError, match="empty name or path") as e:
        cs.apply_rtm(model, ["=nope.geojson"])
    assert e.value.column == "layers"
    # one layer given as a plain path is one layer (not its characters); the model's
    # other layers are named as missing before any is read
    with pytest.raises(cs.ParameterError, match="missing input: layer '") as e:
        cs.apply_rtm(model, str(tmp_path / "nope" / "bars.geojson"))
    assert "nope" not in str(e.value)
    # a model file without a crs needs to_crs (the library's load_model)
    with open(model) as f:
        m = json.load(f)
    m.pop("crs", None)
    bare = tmp_path / "bare_model.json"
    bare.write_text(json.dumps(m))
    with pytest.raises(cs.ParameterError, match="needs to_crs"):
        cs.apply_rtm(bare, model_layers(full_demo))


def test_rank_sites_matches_cli(full_demo, incidents, cli, tmp_path):
    city = full_demo / "city"
    model = full_demo / "risk" / "model.json"
    specs = model_layers(full_demo)
    inc = cs.load_incidents(city / "incidents.csv")
    cli("sites", city / "incidents.csv", "--model", model, *layer_flags(specs), "--top", "10", "-o", tmp_path / "cli")
    r = cs.rank_sites(inc, model, specs, top=10)
    pd.testing.assert_frame_equal(r.sites, read_cli(tmp_path / "cli" / "sites.csv"), check_exact=True)
    with open(tmp_path / "cli" / "sites.json") as f:
        assert r.summary == json.load(f)
    assert list(r.sites["rank"][:3]) == [1, 2, 3]
    assert r.sites["score"].is_monotonic_decreasing
    assert {"night_share", "weekend_night_share", "peak_hour", "suggestions"} <= set(r.sites.columns)
    assert r.to_dict()["table"][0]["rank"] == 1
    if r.top is not None:
        assert len(r.top) == 10
    # street segments as units, same as the CLI
    cli(
        "sites", city / "incidents.csv", "--model", model, *layer_flags(specs),
        "--units", "segments", "--streets", city / "streets.geojson", "-o", tmp_path / "cli2",
    )
    s = cs.rank_sites(inc, model, specs, units="segments", streets=city / "streets.geojson")
    pd.testing.assert_frame_equal(s.sites, read_cli(tmp_path / "cli2" / "sites.csv"), check_exact=True)
    assert (s.sites["units"] == "segments").all()


def test_rank_sites_bad_input(full_demo, incidents):
    model = full_demo / "risk" / "model.json"
    specs = model_layers(full_demo)
    with pytest.raises(cs.ParameterError, match="units"):
        cs.rank_sites(incidents, model, specs, units="blocks")
    with pytest.raises(cs.ParameterError, match="units = segments needs streets"):
        cs.rank_sites(incidents, model, specs, units="segments")
    with pytest.raises(cs.ParameterError):
        cs.rank_sites("incidents.csv", model, specs)


def treatment_square(path, inc, half=300.0):
    """A square treatment area (working CRS) around the incidents' median point."""
    x, y = np.median(inc.xy, axis=0)
    ring = [[x - half, y - half], [x + half, y - half], [x + half, y + half], [x - half, y + half], [x - half, y - half]]
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "centre"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}}],
    }))
    return path


def test_evaluate_matches_cli(city, incidents, cli, tmp_path):
    t = treatment_square(tmp_path / "treat.geojson", incidents)
    costs = tmp_path / "costs.toml"
    costs.write_text('currency = "EUR"\nintervention_cost = 20000\n[offence_costs]\ndefault = 500\n')
    crs = incidents.working_crs
    cli(
        "evaluate", city / "incidents.csv", "--treatment", t, "--areas-crs", crs,
        "--intervention-date", "2024-07-01", "--buffer", "200", "--control-cell", "150",
        "--costs", costs, "-o", tmp_path / "cli",
    )
    ev = cs.evaluate(
        incidents, t, areas_crs=crs, intervention_date="2024-07-01", buffer=200,
        control_cell=150, costs=costs,
    )
    with open(tmp_path / "cli" / "evaluation.json") as f:
        assert ev.to_dict() == json.load(f)
    assert ev.report == (tmp_path / "cli" / "evaluation.md").read_text()
    assert len(ev.areas) == 1 and ev.areas["name"][0] == "treat"
    assert len(ev.bins) > 6 and ev.pooled is None
    if ev.zones is not None:
        assert set(ev.zones["zone"]) >= {"treatment", "buffer", "control"}
    # explicit periods as (FROM, TO): the CLI's FROM..TO
    cli(
        "evaluate", city / "incidents.csv", "--treatment", t, "--areas-crs", crs,
        "--pre", "2024-03-01..2024-07-01", "--post", "2024-07-01..2024-11-01", "--its", "none",
        "-o", tmp_path / "cli2",
    )
    ev2 = cs.evaluate(
        incidents, t, areas_crs=crs, pre=("2024-03-01", "2024-07-01"), post="2024-07-01..2024-11-01", its="none",
    )
    with open(tmp_path / "cli2" / "evaluation.json") as f:
        assert ev2.to_dict() == json.load(f)


def test_evaluate_bad_input(incidents, tmp_path):
    t = treatment_square(tmp_path / "treat.geojson", incidents)
    with pytest.raises(cs.ParameterError, match="intervention_date"):
        cs.evaluate(incidents, t, areas_crs=incidents.working_crs)
    with pytest.raises(cs.ParameterError, match="intervention_date"):
        cs.evaluate(incidents, t, areas_crs=incidents.working_crs, intervention_date="July")
    with pytest.raises(cs.ParameterError, match="pre"):
        cs.evaluate(incidents, t, areas_crs=incidents.working_crs, pre=("2024-01-01",), post=("a", "b"))
    # a fixed dispersion factor must be a finite number > 0 (the CLI's --dispersion grammar)
    for bad in ("0", "-1", "lots"):
        with pytest.raises(cs.ParameterError, match="dispersion"):
            cs.evaluate(
                incidents, t, areas_crs=incidents.working_crs, intervention_date="2024-07-01", dispersion=bad,
            )
    with pytest.raises(cs.InputError) as e:
        cs.evaluate(incidents, tmp_path / "none.geojson", intervention_date="2024-07-01")
    assert e.value.path.endswith("none.geojson")


def test_segments_matches_cli(city, incidents, cli, tmp_path):
    cli("segments", city / "incidents.csv", "--streets", city / "streets.geojson", "--split", "-o", tmp_path / "cli")
    s = cs.segments(incidents, city / "streets.geojson", split=True)
    pd.testing.assert_frame_equal(plain(s.segments), read_cli(tmp_path / "cli" / "segments.csv"), check_exact=True)
    pd.testing.assert_frame_equal(s.top, read_cli(tmp_path / "cli" / "top_segments.csv"), check_exact=True)
    with open(tmp_path / "cli" / "concentration.json") as f:
        assert s.concentration == json.load(f)
    assert s.top["count"].is_monotonic_decreasing and s.top["count"].iloc[0] > 0
    if hasattr(s.segments, "geometry"):
        assert (s.segments.geometry.length > 0).all()
        assert np.allclose(s.segments.geometry.length, s.segments["length_m"], atol=0.01)


def test_segments_bad_input(incidents, city, tmp_path):
    with pytest.raises(cs.InputError) as e:
        cs.segments(incidents, tmp_path / "nope.geojson")
    assert e.value.path.endswith("nope.geojson")
    # points are not streets
    with pytest.raises(cs.DataError, match="no usable line"):
        cs.segments(incidents, city / "bars.geojson")
