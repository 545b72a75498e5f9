"""crimescape from Python: a study in a few lines (run by CI).

    pip install ./python geopandas matplotlib    # from the repository root
    python examples/python/quickstart.py [OUT_DIR]

Generates the demo city, loads its incidents, maps Gi* hot spots with GeoPandas,
prints the Knox near-repeat table, fits a risk terrain model, assesses two design
proposals with it, ranks places for situational changes, evaluates an intervention
and clusters the incidents. The numbers are the CLI's (the same library calls).
"""

import json
import os
import sys
import tempfile

import crimescape as cs

out = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="crimescape-quickstart-")
os.makedirs(out, exist_ok=True)

# 1. The demo city: incidents with planted hot spots, near-repeat chains and risk
#    factors (bars, ATMs, broken lights), its street and facility layers, and (with
#    city_only=False) the demo's analyses, among them two design proposals.
print(cs.demo_city(out, incidents=5000, size=4000, city_only=False))
city = os.path.join(out, "city")

# 2. Load: the report counts rejected rows by reason (none here).
inc = cs.load_incidents(os.path.join(city, "incidents.csv"))
print(inc)
print(inc.report if len(inc.report) else "no row rejected")

# 3. Gi* hot spots (999 permutations, queen neighbours: the CLI's defaults).
gi = cs.gi_star(inc)
hot = gi[gi["gi_bin"] == 3]
print(f"Gi*: {len(hot)} cells hot at 99 % of {len(gi)}")
try:
    import matplotlib

    matplotlib.use("Agg")
    ax = gi.plot(column="gi_bin", cmap="RdBu_r", vmin=-3, vmax=3, legend=True)  # GeoDataFrame
    ax.set_title("Getis-Ord Gi* confidence bins")
    ax.figure.savefig(os.path.join(out, "gistar_map.png"), dpi=80)
    print("wrote", os.path.join(out, "gistar_map.png"))
except (ImportError, AttributeError, TypeError) as e:  # no geopandas/matplotlib: a table only
    print("no map:", e)

# 4. The Knox near-repeat test (NearRepeat semantics).
kx = cs.knox(inc, nrep=99)
print(kx.summary)
print(kx.ratio.round(2))

# 5. Risk terrain model: which facilities explain where incidents concentrate.
fit = cs.fit_rtm(
    inc,
    {
        "bars": os.path.join(city, "bars.geojson"),
        "atms": os.path.join(city, "atms.geojson"),
        "lights": (os.path.join(city, "lights.geojson"), "status=out"),
        "bus_stops": os.path.join(city, "bus_stops.geojson"),
    },
)
print(fit.factors[["factor", "rrv", "p"]])

# 6. Assess the demo's two design proposals (repair broken lights; gate a park) with
#    that model: incidents prevented and free access to public space lost.
layers = [os.path.join(city, f"{n}.geojson") for n in ("lights", "bars", "atms", "bus_stops")]
proposals = [
    os.path.join(out, "assess", f"proposal_{n}.geojson") for n in ("repair-lights", "gate-park")
]
a = cs.assess(
    os.path.join(city, "streets.geojson"),
    proposals,
    spaces=[os.path.join(city, "parks.geojson")],
    layers=layers,
    model=fit,
)
print(a.text)

# 7. Rank places for situational changes with the model: crime burden, persistence,
#    repeats, risk and its modifiable share; suggested kinds of change per place.
ranking = cs.rank_sites(
    inc,
    fit,
    {
        "bars": os.path.join(city, "bars.geojson"),
        "atms": os.path.join(city, "atms.geojson"),
        "lights": os.path.join(city, "lights.geojson"),
        "bus_stops": os.path.join(city, "bus_stops.geojson"),
    },
    top=10,
)
print(ranking.sites[["rank", "count", "risk", "score", "factors"]].head(5).to_string())

# 8. Evaluate an intervention: the demo plants a 30 % reduction from 2024-07-01 in a
#    400 m disc (with some displacement into its 400 m buffer); estimate it back.
with open(os.path.join(out, "intervention", "planted_truth.json")) as f:
    truth = json.load(f)
planted = cs.load_incidents(os.path.join(out, "intervention", "incidents_planted.csv"))
treat = os.path.join(out, "treatment.geojson")
with open(treat, "w") as f:  # the disc's centre as a point in the working CRS
    x, y = truth["centre"]
    json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
               "geometry": {"type": "Point", "coordinates": [x, y]}}]}, f)
ev = cs.evaluate(planted, treat, areas_crs=planted.working_crs, radius=truth["params"]["radius"],
                 buffer=truth["params"]["buffer"], intervention_date="2024-07-01")
print(ev.text)

# 9. Clusters as numpy labels (scikit-learn's DBSCAN semantics).
labels = cs.dbscan(inc, eps=50, min_samples=10)
print(f"DBSCAN: {labels.max() + 1} clusters, {(labels == -1).sum()} noise points")
