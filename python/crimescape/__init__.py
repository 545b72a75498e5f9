"""crimescape: geospatial situational crime prevention from Python.

A thin Python layer over the crimescape Rust library (the same code as the
``crimescape`` command line): every analysis takes the same parameters, with the
same names and defaults, as the CLI's flags, and gives the same numbers.

Quick start::

    import crimescape as cs
    cs.demo_city("city", incidents=3000, size=3000)          # a synthetic city
    inc = cs.load_incidents("city/city/incidents.csv")
    gi = cs.gi_star(inc, permutations=99)                   # GeoDataFrame of cells
    kx = cs.knox(inc, nrep=99)
    kx.ratio                                                # distance x time table

Hot spot functions return a GeoDataFrame of grid cells (polygons in the working
CRS, metres) when geopandas is installed, else a pandas DataFrame with the cell
centres ``x_center``/``y_center``; the study's summary (the CLI's ``<name>.json``)
is in ``result.attrs["summary"]``. Errors are ``CrimescapeError`` subclasses that
carry ``path``, ``row``, ``column`` and ``value`` when the library knows them.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _crimescape as _native
from ._crimescape import (  # noqa: F401  (re-exported)
    CrimescapeError,
    CrsError,
    DataError,
    InputError,
    ParameterError,
)

__version__ = _native.__version__

__all__ = [
    "CrimescapeError",
    "CrsError",
    "DataError",
    "InputError",
    "ParameterError",
    "Incidents",
    "KnoxResult",
    "load_incidents",
    "demo_city",
    "grid_counts",
    "kde",
    "gi_star",
    "local_moran",
    "knox",
    "dbscan",
    "hdbscan",
    "st_dbscan",
    "hotspot_change",
    "emerging_hotspots",
    "fit_rtm",
    "RtmResult",
    "assess",
    "Assessment",
    "apply_rtm",
    "RiskSurface",
    "rank_sites",
    "SiteRanking",
    "evaluate",
    "Evaluation",
    "segments",
    "SegmentResult",
]

PathLike = Union[str, "os.PathLike[str]"]


# pandas < 3 parses reals with a fast converter that may miss by one unit in the last
# place; its round-trip converter is exact (pandas 3 parses exactly by default and
# deprecates the option)
_CSV_KW = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def _read_csv(path) -> pd.DataFrame:
    """A CSV output of the library: reals parsed exactly (the CSV holds their
    shortest round-trip form, so the values are the library's f64)."""
    return pd.read_csv(path, **_CSV_KW)


def _has_geopandas() -> bool:
    try:
        import geopandas  # noqa: F401
        import shapely  # noqa: F401
    except ImportError:
        return False
    return True


def _crs_name(c: Optional[dict]) -> Optional[str]:
    """'EPSG:32631' from the library's CRS record (None for a local CRS)."""
    if isinstance(c, dict) and c.get("kind") == "epsg":
        return f"EPSG:{c['code']}"
    return None


# ---------------------------------------------------------------- incidents


class Incidents:
    """Incidents loaded by crimescape, in the working CRS (metres).

    Attributes
    ----------
    report : pandas.DataFrame
        Rejected rows by reason (columns ``reason``, ``rows``); empty when every
        row was accepted.
    load_report : dict
        The whole load report (rows read, accepted, rejections with row and
        value, which column played which role, CRS, notes, warnings).
    crs : dict
        Input and working CRS, with the reason of the choice.
    """

    def __init__(self, native: Any, source: str):
        self._native = native
        self.source = source
        rep = native.report_json()
        self.load_report: dict = json.loads(rep) if rep else {}
        self.crs: dict = json.loads(native.crs_json())
        rejected = self.load_report.get("rejected", {})
        self.report = pd.DataFrame(
            {"reason": list(rejected.keys()), "rows": [int(v) for v in rejected.values()]}
        )

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return (
            f"<crimescape.Incidents: {len(self)} incidents from {self.source}, "
            f"working CRS {_crs_name(self.crs.get('working')) or 'local'}>"
        )

    @property
    def working_crs(self) -> Optional[str]:
        """The working CRS as 'EPSG:n' (None for a local metric CRS)."""
        return _crs_name(self.crs.get("working"))

    @property
    def xy(self) -> np.ndarray:
        """Coordinates in the working CRS, an (n, 2) float array."""
        return self._native.xy()

    @property
    def times(self) -> np.ndarray:
        """Local clock times as ``datetime64[s]`` (NaT where an incident has none)."""
        secs, has = self._native.time()
        t = secs.astype("datetime64[s]")
        t[~has] = np.datetime64("NaT")
        return t

    def to_pandas(self) -> pd.DataFrame:
        """One row per incident: ``row`` (source row), ``x``, ``y`` (working CRS),
        ``time``, ``category`` and the other source columns (as text)."""
        xy = self.xy
        df = pd.DataFrame(
            {
                "row": self._native.rows(),
                "x": xy[:, 0],
                "y": xy[:, 1],
                "time": self.times,
                "category": self._native.categories(),
            }
        )
        for name in self._native.attr_names():
            if name not in df.columns:
                df[name] = self._native.attr(name)
        return df

    def to_geopandas(self):
        """As :meth:`to_pandas`, a GeoDataFrame of points in the working CRS
        (needs geopandas)."""
        import geopandas as gpd

        df = self.to_pandas()
        return gpd.GeoDataFrame(
            df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=self.working_crs
        )


def _frame_to_csv(df: pd.DataFrame, kw: dict, folder: str) -> str:
    """Writes a (Geo)DataFrame as a CSV the loader reads; returns its path."""
    if len(df) == 0:
        raise InputError("data frame: no rows (an empty frame has no incident to load)")
    geo = getattr(df, "geometry", None) if hasattr(df, "__geo_interface__") else None
    if geo is not None and kw.get("x") is None and kw.get("y") is None:
        if not all(t in ("Point", None) for t in geo.geom_type.unique()):
            raise InputError(
                "GeoDataFrame: incidents must be points; geometry types are "
                + ", ".join(sorted(str(t) for t in geo.geom_type.unique()))
            )
        out = pd.DataFrame(df.drop(columns=[geo.name]))
        xname, yname = "x", "y"
        while xname in out.columns or yname in out.columns:
            xname, yname = "_" + xname, "_" + yname
        out[xname] = geo.x.to_numpy()
        out[yname] = geo.y.to_numpy()
        kw["x"], kw["y"] = xname, yname
        if kw.get("crs") is None:
            if df.crs is None:
                raise CrsError(
                    "GeoDataFrame has no CRS: set one (gdf.set_crs(...)) or pass crs="
                )
            epsg = df.crs.to_epsg()
            if epsg is None:
                raise CrsError(
                    f"GeoDataFrame CRS {df.crs.to_string()!r} has no EPSG code; pass crs="
                )
            kw["crs"] = f"EPSG:{epsg}"
        df = out
    else:
        cols = [str(c) for c in df.columns]
        for role in ("x", "y", "time", "time_to", "category", "location"):
            name = kw.get(role)
            if name is not None and name not in cols:
                e = InputError(
                    f"data frame: no column {name!r} for {role}=; columns are: {', '.join(cols)}"
                )
                e.column = name
                raise e
    path = os.path.join(folder, "dataframe.csv")
    df.to_csv(path, index=False)
    return path


def load_incidents(
    source: Union[PathLike, pd.DataFrame],
    *,
    x: Optional[str] = None,
    y: Optional[str] = None,
    location: Optional[str] = None,
    time: Optional[str] = None,
    time_to: Optional[str] = None,
    time_format: Optional[str] = None,
    category: Optional[str] = None,
    crs: Optional[str] = None,
    to_crs: Optional[str] = None,
    delimiter: Optional[str] = None,
    max_window: float = 14.0,
    keep_outliers: bool = False,
    strict: bool = False,
) -> Incidents:
    """Loads incident points from a CSV/GeoJSON file, a pandas DataFrame or a
    GeoDataFrame (``crimescape::load_incidents``; the CLI's loading flags).

    Unset columns are found automatically (x/y, lon/lat, a location column, time
    columns); geographic input is projected to the UTM zone of the data. Every
    unusable row is rejected and counted by reason (``Incidents.report``), never
    silently dropped: with ``strict=True`` any rejection raises.

    A DataFrame is read exactly as the same table in a CSV file would be (it is
    written as CSV and loaded by the same code). A GeoDataFrame's point geometry
    gives the coordinates and its CRS the input CRS.

    Example
    -------
    >>> import crimescape as cs, pandas as pd
    >>> df = pd.DataFrame({"x": [500000.0, 500050.0], "y": [4649776.0, 4649800.0],
    ...                    "date": ["2024-01-03 10:00", "2024-01-04 11:30"]})
    >>> inc = cs.load_incidents(df, crs="EPSG:32618", time="date")
    >>> len(inc), inc.working_crs
    (2, 'EPSG:32618')
    """
    kw = dict(
        x=x,
        y=y,
        location=location,
        time=time,
        time_to=time_to,
        time_format=time_format,
        category=category,
        crs=crs,
        to_crs=to_crs,
        delimiter=delimiter,
        max_window=max_window,
        keep_outliers=keep_outliers,
        strict=strict,
    )
    if isinstance(source, pd.DataFrame):
        with tempfile.TemporaryDirectory(prefix="crimescape-") as d:
            path = _frame_to_csv(source, kw, d)
            try:
                native = _native.load(path, json.dumps(kw))
            except CrimescapeError as e:
                msg = str(e).replace(path, "<data frame>")
                if getattr(e, "path", None) == path:
                    e.path = "<data frame>"
                e.args = (msg,)
                raise
        return Incidents(native, "<data frame>")
    return Incidents(_native.load(os.fspath(source), json.dumps(kw)), os.fspath(source))


def demo_city(
    out_dir: PathLike,
    *,
    seed: int = 42,
    incidents: int = 20_000,
    size: float = 6000.0,
    city_only: bool = True,
) -> str:
    """Writes the synthetic demo city (``crimescape demo --city-only``): incidents
    in ``<out_dir>/city/incidents.csv``, layers (streets, bars, ATMs, ...) as
    GeoJSON beside them and the planted ground truth. Returns the summary line.

    Example
    -------
    >>> import crimescape as cs, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = cs.demo_city(d, incidents=2000, size=3000)
    >>> os.path.exists(os.path.join(d, "city", "incidents.csv"))
    True
    """
    return _native.demo_city(os.fspath(out_dir), seed, incidents, size, city_only)


# ---------------------------------------------------------------- studies


def _frame(columns) -> pd.DataFrame:
    """A table kept in memory by the library ([(name, numpy array or list)]) as the
    DataFrame pandas reads from the same table's CSV: empty text cells are NaN."""
    data = {}
    for name, v in columns:
        if isinstance(v, list):
            v = pd.Series(v, dtype=object)
            if len(v) and not isinstance(v.dropna().iloc[0] if v.notna().any() else "", bool):
                try:  # numbers as text (e.g. band edges): pandas reads them as numbers
                    v = pd.to_numeric(v)
                except (ValueError, TypeError):
                    pass
            v = v.where(v.notna(), np.nan).to_numpy()
        data[name] = v
    return pd.DataFrame(data)


def _memory(result: dict):
    """{file name: DataFrame}, {file name: JSON value} of an in-memory study."""
    tables = {name: _frame(cols) for name, cols in result["tables"]}
    values = {name: json.loads(v) for name, v in result["json"]}
    return tables, values


def _study(name: str, stem: str, incidents: Incidents, kw: dict, out_dir, extra=()):
    """Runs a whole study (the CLI command's library call); returns (table,
    summary, hexagons). Without ``out_dir`` the tables come straight from memory as
    numpy columns (no file is written, no map rendered); with it the CLI's files are
    written there and read back."""
    if not isinstance(incidents, Incidents):
        raise ParameterError(
            f"incidents: expected crimescape.Incidents (from load_incidents), got {type(incidents).__name__}"
        )
    kw = {k: v for k, v in kw.items() if v is not None}
    if out_dir is None and not kw.get("hex"):
        tables, values = _memory(_native.study(name, incidents._native, json.dumps(kw), None))
        summary = values[f"{stem}.json"]
        for f in extra:
            summary[f] = values[f]
        return tables[f"{stem}.csv"], summary, None

    def run(d: str):
        _native.study(name, incidents._native, json.dumps(kw), d)
        table = _read_csv(os.path.join(d, f"{stem}.csv"))
        with open(os.path.join(d, f"{stem}.json"), encoding="utf-8") as f:
            summary = json.load(f)
        for f in extra:
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                summary[f] = json.load(fh)
        geo = None
        gj = os.path.join(d, f"{stem}.geojson")
        if kw.get("hex") and os.path.exists(gj):
            with open(gj, encoding="utf-8") as f:
                geo = json.load(f)
        return table, summary, geo

    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="crimescape-") as d:
            return run(d)
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    return run(os.fspath(out_dir))


def _cells(table: pd.DataFrame, summary: dict, geo, incidents: Incidents):
    table.attrs["summary"] = summary
    if not _has_geopandas():
        return table
    import geopandas as gpd
    import shapely

    crs = incidents.working_crs
    if geo is None:
        h = summary["grid"]["grid"]["cell"] / 2.0
        x, y = table["x_center"].to_numpy(), table["y_center"].to_numpy()
        polys = shapely.box(x - h, y - h, x + h, y + h)
    else:  # hexagons: the GeoJSON cells (EPSG:4326) by cell id, back to the working CRS
        from shapely.geometry import shape

        by_id = {f["properties"]["cell_id"]: shape(f["geometry"]) for f in geo["features"]}
        g = gpd.GeoSeries([by_id.get(i) for i in table["cell_id"]], crs="EPSG:4326")
        polys = g.to_crs(crs) if crs else g
    out = gpd.GeoDataFrame(table, geometry=polys, crs=crs)
    out.attrs["summary"] = summary
    return out


_CELL_DOC = """
    cell : float, optional
        Cell size in metres [default: sfhotspot's rule, 1/50 of the shorter side of
        the extent rounded down to 100 m].
    extent : {"bbox", "hull"}
        Cells of the points' bounding box, or only those meeting their convex hull.
    weight : str, optional
        Numeric incident column to weight incidents by (e.g. a harm score).
    out_dir : path, optional
        Also keep the CLI's files (CSV, GeoJSON, PNG, JSON, provenance) there."""

_NB_DOC = """
    neighbours : {"queen", "band", "knn", "idw"}
        Spatial weights: the 8 surrounding cells (queen), binary within ``radius``,
        the ``k`` nearest cells, or inverse distance (``power``) within ``radius``."""


def grid_counts(
    incidents: Incidents,
    *,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    hex: bool = False,
    by_category: bool = False,
    out_dir: Optional[PathLike] = None,
):
    """Incidents (or weights) per grid cell (``crimescape hotspots grid``).

    Returns one row per cell in the CLI's ``counts.csv`` order: ``cell_id``,
    ``col``, ``row``, ``x_center``, ``y_center``, ``count`` (and ``n_<category>``
    with ``by_category``).

    Example
    -------
    >>> counts = cs.grid_counts(inc, cell=100)          # doctest: +SKIP
    >>> counts.sort_values("count").tail()              # doctest: +SKIP
    """
    t, s, g = _study(
        "grid",
        "counts",
        incidents,
        dict(cell=cell, extent=extent, weight=weight, hex=hex, by_category=by_category),
        out_dir,
    )
    return _cells(t, s, g, incidents)


grid_counts.__doc__ += _CELL_DOC  # type: ignore[operator]


def kde(
    incidents: Incidents,
    *,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    kernel: str = "quartic",
    bandwidth: Union[str, float] = "arcgis",
    centres: bool = False,
    out_dir: Optional[PathLike] = None,
):
    """Kernel density of the incidents on grid cells (``crimescape hotspots kde``).

    The quartic kernel (ArcGIS/CrimeStat, Silverman 1986 eq. 4.5) by default, with
    ArcGIS's default bandwidth (a spatial variant of Silverman's rule); ``bandwidth``
    also takes metres, ``"scott"`` or ``"knn:K"`` (adaptive). Density per km²;
    ``centres=True`` evaluates at cell centres instead of averaging over the cell.
    Returns the CLI's ``kde.csv`` columns (``density_km2``, ``expected``, ``count``...).

    Example
    -------
    >>> surface = cs.kde(inc, bandwidth=250)            # doctest: +SKIP
    """
    t, s, g = _study(
        "kde",
        "kde",
        incidents,
        dict(
            cell=cell,
            extent=extent,
            weight=weight,
            kernel=kernel,
            bandwidth=str(bandwidth),
            centres=centres,
        ),
        out_dir,
    )
    return _cells(t, s, g, incidents)


kde.__doc__ += _CELL_DOC  # type: ignore[operator]


def gi_star(
    incidents: Incidents,
    *,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    hex: bool = False,
    neighbours: str = "queen",
    radius: Optional[float] = None,
    k: int = 8,
    power: float = 1.0,
    permutations: int = 999,
    seed: int = 12345,
    fdr: bool = False,
    bins_from_permutations: bool = False,
    out_dir: Optional[PathLike] = None,
):
    """Getis-Ord Gi* hot and cold spots of the counts per cell
    (``crimescape hotspots gistar``; Getis & Ord 1992, Ord & Getis 1995).

    Gi* of cell i is the standardised sum of the counts of i and its neighbours:
    ``z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2)/(n-1)))`` with
    binary weights including i itself, the population variance and every cell of
    the grid (empty ones too): ArcGIS's and esda's ``G_Local(star=True,
    transform='B')`` convention. ``gi_p`` is the two-sided normal p; with
    ``permutations`` > 0 a conditional permutation test gives ``gi_p_sim``
    (pseudo p, folded, ``(k+1)/(permutations+1)``) and ``gi_z_sim``, deterministic
    for a ``seed`` whatever the thread count. ``gi_bin`` is ArcGIS's confidence bin
    (+-3 = 99 %, +-2 = 95 %, +-1 = 90 %), Benjamini-Hochberg controlled with
    ``fdr=True``.

    Returns the CLI's ``gistar.csv`` columns: ``cell_id, col, row, x_center,
    y_center, count, n_neighbours, gi_G, gi_z, gi_p, gi_p_sim, gi_z_sim, gi_bin``.

    Example
    -------
    >>> import crimescape as cs, tempfile
    >>> d = tempfile.mkdtemp(); _ = cs.demo_city(d, incidents=2000, size=3000)
    >>> inc = cs.load_incidents(d + "/city/incidents.csv")
    >>> gi = cs.gi_star(inc, permutations=99)
    >>> int((gi["gi_bin"] == 3).sum()) > 0        # the planted hot spots
    True
    """
    t, s, g = _study(
        "gistar",
        "gistar",
        incidents,
        dict(
            cell=cell,
            extent=extent,
            weight=weight,
            hex=hex,
            neighbours=neighbours,
            radius=radius,
            k=k,
            power=power,
            permutations=permutations,
            seed=seed,
            fdr=fdr,
            bins_from_permutations=bins_from_permutations,
        ),
        out_dir,
    )
    return _cells(t, s, g, incidents)


gi_star.__doc__ += _CELL_DOC + _NB_DOC  # type: ignore[operator]


def local_moran(
    incidents: Incidents,
    *,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    hex: bool = False,
    neighbours: str = "queen",
    radius: Optional[float] = None,
    k: int = 8,
    power: float = 1.0,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    out_dir: Optional[PathLike] = None,
):
    """Local Moran's I (LISA, Anselin 1995) of the counts per cell
    (``crimescape hotspots moran``).

    ``I_i = (z_i / m2) sum_j w_ij z_j`` on row-standardised weights with
    ``m2 = sum z^2 / n`` (esda's ``Moran_Local`` convention); the quadrant
    (HH, LH, LL, HL) of each cell and a conditional permutation pseudo p
    (``(k+1)/(permutations+1)``, folded) decide ``significant`` at ``alpha``.
    Deterministic for a ``seed``.

    Example
    -------
    >>> lisa = cs.local_moran(inc, permutations=99)      # doctest: +SKIP
    >>> lisa[lisa["significant"]].groupby("quadrant").size()  # doctest: +SKIP
    """
    t, s, g = _study(
        "moran",
        "moran",
        incidents,
        dict(
            cell=cell,
            extent=extent,
            weight=weight,
            hex=hex,
            neighbours=neighbours,
            radius=radius,
            k=k,
            power=power,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
        ),
        out_dir,
    )
    return _cells(t, s, g, incidents)


local_moran.__doc__ += _CELL_DOC + _NB_DOC  # type: ignore[operator]


def hotspot_change(
    incidents: Incidents,
    *,
    split: str,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    alpha: float = 0.05,
    no_fdr: bool = False,
    bandwidth: Optional[float] = None,
    out_dir: Optional[PathLike] = None,
):
    """Change of the counts per cell between two periods
    (``crimescape hotspots change``): incidents before ``split`` (YYYY-MM-DD) form
    the first period, the others the second (incidents without a time are left
    out and counted). A cell with ``m = c1 + c2 > 0`` is tested with the exact
    conditional binomial test ``c2 ~ Bin(m, N2/(N1 + N2))`` (the cell changes like
    the whole area; Przyborowski & Wilenski 1940), two-sided as R's ``binom.test``,
    Benjamini-Hochberg controlled over those cells unless ``no_fdr``;
    a KDE difference map uses ``bandwidth`` (ArcGIS's rule by default).
    Returns the CLI's ``change.csv`` columns.

    Example
    -------
    >>> ch = cs.hotspot_change(inc, split="2024-07-01")      # doctest: +SKIP
    """
    t, s, g = _study(
        "change",
        "change",
        incidents,
        dict(
            split=split,
            cell=cell,
            extent=extent,
            weight=weight,
            alpha=alpha,
            no_fdr=no_fdr,
            bandwidth=bandwidth,
        ),
        out_dir,
    )
    return _cells(t, s, g, incidents)


hotspot_change.__doc__ += _CELL_DOC  # type: ignore[operator]


def emerging_hotspots(
    incidents: Incidents,
    *,
    cell: Optional[float] = None,
    extent: str = "bbox",
    weight: Optional[str] = None,
    neighbours: str = "queen",
    radius: Optional[float] = None,
    k: int = 8,
    power: float = 1.0,
    period_days: Optional[int] = None,
    start: Optional[str] = None,
    alpha: float = 0.05,
    fdr: bool = False,
    time_steps: int = 1,
    out_dir: Optional[PathLike] = None,
):
    """Emerging hot spot analysis (``crimescape hotspots emerging``; ArcGIS's
    space-time cube): Gi* of every cell in every period of ``period_days`` days
    (sfhotspot's rule from the time span by default) with ``time_steps`` previous
    steps in each bin's neighbourhood, a Mann-Kendall trend of each cell's z series,
    and ArcGIS's categories (new, consecutive, intensifying, persistent, diminishing,
    sporadic, oscillating, historical hot or cold spots). Returns the CLI's
    ``emerging.csv`` columns.

    Example
    -------
    >>> em = cs.emerging_hotspots(inc, period_days=30)        # doctest: +SKIP
    """
    t, s, g = _study(
        "emerging",
        "emerging",
        incidents,
        dict(
            cell=cell,
            extent=extent,
            weight=weight,
            neighbours=neighbours,
            radius=radius,
            k=k,
            power=power,
            period_days=period_days,
            start=start,
            alpha=alpha,
            fdr=fdr,
            time_steps=time_steps,
        ),
        out_dir,
    )
    return _cells(t, s, g, incidents)


emerging_hotspots.__doc__ += _CELL_DOC + _NB_DOC  # type: ignore[operator]


# ---------------------------------------------------------------- Knox


class KnoxResult:
    """The Knox near-repeat test: tables ``[distance band x time band]``.

    ``observed`` pairs, ``expected`` (mean over the permutations, or the analytical
    ``S_s T_b / P`` without them), ``ratio`` (Knox ratio = observed / expected),
    ``p`` (permutation p, ``(1 + #sim >= obs)/(nrep + 1)``; Poisson upper tail
    without permutations); ``table`` is the CLI's ``knox.csv``; ``summary`` its
    sentence; ``to_dict()`` the CLI's ``knox.json``.
    """

    def __init__(self, table: pd.DataFrame, summary: dict):
        self.table = table
        self._summary = summary
        self.summary: str = summary.get("summary", "")
        rows, cols = summary["space_labels"], summary["time_labels"]

        def frame(values) -> pd.DataFrame:
            f = pd.DataFrame(values, index=rows, columns=cols)
            f.index.name = "distance"
            f.columns.name = "time"
            return f

        perm = summary.get("permutation")
        ana = summary["analytic"]
        self.observed = frame(summary["observed"])
        if perm:
            self.expected = frame(perm["expected_mean"])
            self.ratio = frame(perm["knox_ratio"])
            self.p = frame(perm["p_value"])
        else:
            self.expected = frame(ana["expected"])
            self.ratio = frame(ana["knox_ratio"])
            self.p = frame(ana["p_poisson"])

    def to_dict(self) -> dict:
        """The whole result (the CLI's ``knox.json``)."""
        return self._summary

    def __repr__(self) -> str:
        return f"<crimescape.KnoxResult: {self.summary}>"

    def plot(self, ax=None):
        """A heat table of the Knox ratios (matplotlib), significant cells starred."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        r = self.ratio.to_numpy(dtype=float)
        im = ax.imshow(r, cmap="RdBu_r", vmin=0, vmax=max(2.0, np.nanmax(r)))
        ax.set_xticks(range(r.shape[1]), self.ratio.columns)
        ax.set_yticks(range(r.shape[0]), self.ratio.index)
        ax.set_xlabel("time apart (days)")
        ax.set_ylabel("distance (m)")
        p = self.p.to_numpy(dtype=float)
        for i in range(r.shape[0]):
            for j in range(r.shape[1]):
                star = "*" if p[i, j] < 0.05 else ""
                ax.text(j, i, f"{r[i, j]:.2f}{star}", ha="center", va="center", fontsize=8)
        ax.figure.colorbar(im, ax=ax, label="Knox ratio")
        return ax


def knox(
    incidents: Incidents,
    *,
    space: Sequence[float] = (0, 100, 200, 300, 400),
    time: Sequence[float] = (0, 7, 14, 21, 28),
    nrc: Optional[Sequence[float]] = None,
    nrc_time: Optional[Sequence[float]] = None,
    metric: str = "manhattan",
    window_rule: str = "exclude",
    nrep: int = 999,
    seed: int = 42,
    max_pairs: int = 500_000_000,
    label: Optional[str] = None,
    out_dir: Optional[PathLike] = None,
) -> KnoxResult:
    """The Knox near-repeat test with R NearRepeat's semantics
    (``crimescape near-repeat``; Knox 1964, Johnson et al. 2007).

    Pairs of incidents are counted per distance band (``space``, metres, bands
    ``[a, b)``; Manhattan distance by default as in NearRepeat) and time band
    (``time``, days, ``[a, b)``); the expected counts come from ``nrep``
    permutations of the times (Monte Carlo, deterministic for a ``seed``, whatever
    the thread count). Incidents whose occurrence window is longer than the first
    time band are left out (``window_rule="exclude"``) or placed at their midpoint.

    Example
    -------
    >>> kx = cs.knox(inc, nrep=99)                      # doctest: +SKIP
    >>> kx.ratio.round(2)                               # doctest: +SKIP
    """
    def breaks(v):  # JSON has no infinity: "inf" as text, read by the library
        return [float(b) if np.isfinite(b) else str(float(b)) for b in v]

    kw = dict(
        space=breaks(space),
        time=breaks(time),
        nrc=None if nrc is None else [float(v) for v in nrc],
        nrc_time=None if nrc_time is None else [float(v) for v in nrc_time],
        metric=metric,
        window_rule=window_rule,
        nrep=nrep,
        seed=seed,
        max_pairs=max_pairs,
        label=label,
    )
    t, s, _ = _study("knox", "knox", incidents, kw, out_dir)
    return KnoxResult(t, s)


# ---------------------------------------------------------------- clusters


def _xy(points) -> np.ndarray:
    if isinstance(points, Incidents):
        return points.xy
    a = np.ascontiguousarray(np.asarray(points, dtype=np.float64))
    if a.ndim != 2 or a.shape[1] != 2:
        raise ParameterError(f"points: expected an (n, 2) array of metres, got shape {a.shape}")
    return a


def dbscan(points, *, eps: float = 100.0, min_samples: int = 5) -> np.ndarray:
    """DBSCAN (Ester et al. 1996) with scikit-learn's semantics: a point is core
    when at least ``min_samples`` points (itself included) lie within ``eps``
    metres (inclusive). Returns a label per point in input order, -1 = noise;
    the same labels as ``sklearn.cluster.DBSCAN(eps, min_samples).fit(xy).labels_``.

    ``points`` is an ``Incidents`` or an (n, 2) array of projected coordinates.

    Example
    -------
    >>> import numpy as np, crimescape as cs
    >>> xy = np.array([[0, 0], [1, 0], [0, 1], [50, 50]], dtype=float)
    >>> cs.dbscan(xy, eps=2, min_samples=3).tolist()
    [0, 0, 0, -1]
    """
    return _native.cluster("dbscan", _xy(points), eps=eps, min_samples=min_samples)


def hdbscan(
    points, *, min_cluster_size: int = 25, min_samples: Optional[int] = None
) -> np.ndarray:
    """HDBSCAN (Campello et al. 2013) with the excess-of-mass cluster selection
    of scikit-learn's ``HDBSCAN`` (``min_samples`` counts the point itself and
    defaults to ``min_cluster_size``). Returns a label per point, -1 = noise.

    Example
    -------
    >>> labels = cs.hdbscan(inc, min_cluster_size=25)   # doctest: +SKIP
    """
    return _native.cluster(
        "hdbscan", _xy(points), min_cluster_size=min_cluster_size, min_samples=min_samples
    )


def st_dbscan(
    incidents: Incidents, *, eps: float = 100.0, eps_days: float, min_samples: int = 5
) -> np.ndarray:
    """Space-time DBSCAN (Birant & Kut 2007): neighbours are within ``eps``
    metres **and** ``eps_days`` days (both inclusive). Incidents without a time
    get label -1. Returns a label per incident, -1 = noise.

    Example
    -------
    >>> labels = cs.st_dbscan(inc, eps=100, eps_days=7)  # doctest: +SKIP
    """
    if not isinstance(incidents, Incidents):
        raise ParameterError("st_dbscan: expected crimescape.Incidents (it needs times)")
    return _native.st_dbscan(incidents._native, eps=eps, eps_days=eps_days, min_samples=min_samples)


# ---------------------------------------------------------------- risk terrain


def _layer_specs(layers) -> list:
    """{name: path | (path, "COLUMN=VALUE")} -> [[name, path, filter], ...];
    ["NAME=PATH[:COLUMN=VALUE]", ...] as they are (the library reads them as the
    CLI's --layer)."""
    if isinstance(layers, (str, os.PathLike)):
        layers = [layers]  # one layer, not its characters
    if isinstance(layers, dict):
        out = []
        for name, v in layers.items():
            if isinstance(v, (tuple, list)):
                path, filt = v
            else:
                path, filt = v, None
            out.append([str(name), os.fspath(path), filt])
        return out
    return [str(spec) for spec in layers]


class RtmResult:
    """A fitted risk terrain model (``crimescape risk fit``).

    ``factors``: the selected risk factors with coefficients, standard errors, p and
    relative risk values (the CLI's ``factors.csv``); ``risk``: relative risk per
    cell (``risk.csv``, a GeoDataFrame of cells when geopandas is installed);
    ``model``: the saved model (``model.json``, re-applicable with the CLI's
    ``risk apply``); ``summary``: the fit's record (``factors.json``).
    """

    def __init__(self, factors, risk, summary: dict, text: str = ""):
        self.factors = factors
        self.risk = risk
        self.model = summary.pop("model.json", {})
        self.summary = summary

    def to_dict(self) -> dict:
        """Factors (records), the fit's summary and the model, as plain Python."""
        return {
            "factors": self.factors.to_dict(orient="records"),
            "summary": self.summary,
            "model": self.model,
        }

    def __repr__(self) -> str:
        names = ", ".join(self.factors["factor"].astype(str)) if len(self.factors) else "none"
        return f"<crimescape.RtmResult: factors {names}>"


def fit_rtm(
    incidents: Incidents,
    layers,
    *,
    layer_crs: Optional[str] = None,
    block: float = 100.0,
    distances: Optional[Sequence[float]] = None,
    cell: Optional[float] = None,
    op: str = "both",
    density_sd: float = 2.0,
    folds: int = 5,
    l1_ratio: float = 0.5,
    seed: int = 1,
    null_shifts: int = 199,
    null_alpha: float = 0.05,
    boundary: Optional[PathLike] = None,
    out_dir: Optional[PathLike] = None,
) -> RtmResult:
    """Risk terrain modelling (Caplan & Kennedy; ``crimescape risk fit``): which
    built-environment factors explain where incidents concentrate.

    Each layer is tested as proximity (within 0.5, 1, ..., 3 blocks) and density
    (kernel density above mean + ``density_sd`` SD) indicators on cells of
    ``cell`` metres (half a block by default); an elastic-net Poisson screen with
    ``folds``-fold cross-validation (seeded) picks candidates, a Poisson GLM gives
    their coefficients and relative risk values, and a spatial null (each factor
    against ``null_shifts`` toroidally shifted copies of its layer) keeps only the
    factors that beat their shifted copies at ``null_alpha``.

    ``layers``: ``{"bars": "bars.geojson", "lights": ("lights.geojson",
    "status=out")}`` or the CLI's ``["bars=bars.geojson", ...]``.

    Example
    -------
    >>> fit = cs.fit_rtm(inc, {"bars": d + "/city/bars.geojson",
    ...                        "atms": d + "/city/atms.geojson"})  # doctest: +SKIP
    >>> fit.factors[["factor", "rrv", "p"]]                       # doctest: +SKIP
    """
    kw = dict(
        layers=_layer_specs(layers),
        layer_crs=layer_crs,
        block=block,
        distances=None if distances is None else [float(v) for v in distances],
        cell=cell,
        op=op,
        density_sd=density_sd,
        folds=folds,
        l1_ratio=l1_ratio,
        seed=seed,
        null_shifts=null_shifts,
        null_alpha=null_alpha,
        boundary=None if boundary is None else os.fspath(boundary),
    )

    args = json.dumps({k: v for k, v in kw.items() if v is not None})

    def result(factors, risk, summary) -> RtmResult:
        if _has_geopandas():
            import geopandas as gpd
            import shapely

            h = (cell if cell is not None else block / 2.0) / 2.0
            x, y = risk["x"].to_numpy(), risk["y"].to_numpy()
            risk = gpd.GeoDataFrame(
                risk, geometry=shapely.box(x - h, y - h, x + h, y + h), crs=incidents.working_crs
            )
        return RtmResult(factors, risk, summary)

    if not isinstance(incidents, Incidents):
        raise ParameterError("fit_rtm: expected crimescape.Incidents (from load_incidents)")
    if out_dir is None:  # straight from memory: no file
        tables, values = _memory(_native.study("rtm", incidents._native, args, None))
        summary = values["factors.json"]
        summary["model.json"] = values["model.json"]
        return result(tables["factors.csv"], tables["risk.csv"], summary)
    d = os.fspath(out_dir)
    os.makedirs(d, exist_ok=True)
    _native.study("rtm", incidents._native, args, d)
    summary = _read_json(d, "factors.json")
    summary["model.json"] = _read_json(d, "model.json")
    return result(_read_csv(os.path.join(d, "factors.csv")), _read_csv(os.path.join(d, "risk.csv")), summary)


# ---------------------------------------------------------------- design proposals


class Assessment:
    """An assessment of design proposals (``crimescape assess``).

    ``proposals``: one row per proposal (access lost or gained, expected incidents
    prevented with a risk model, verdict), flattened from the CLI's
    ``assessment.json``; ``dominated``: proposals another one beats on both counts;
    ``text``: the CLI's summary; ``to_dict()``: the whole ``assessment.json``.
    """

    def __init__(self, data: dict, text: str):
        self._data = data
        self.text = text
        rows = [{k: v for k, v in p.items() if k != "actions"} for p in data.get("proposals", [])]
        self.proposals = pd.json_normalize(rows) if rows else pd.DataFrame()
        self.dominated = list(data.get("dominated", []))

    def to_dict(self) -> dict:
        """The whole assessment (the CLI's ``assessment.json``)."""
        return self._data

    def __repr__(self) -> str:
        return f"<crimescape.Assessment: {len(self.proposals)} proposal(s)>\n{self.text}"


def assess(
    streets: PathLike,
    proposals: Union[PathLike, Sequence[PathLike]],
    *,
    paths: Optional[PathLike] = None,
    spaces: Sequence[PathLike] = (),
    layers: Sequence[PathLike] = (),
    model: Union[None, PathLike, RtmResult] = None,
    layer_crs: Optional[str] = None,
    snap: float = 1.0,
    no_split_crossings: bool = False,
    distances: Sequence[float] = (400, 800),
    no_per_action: bool = False,
    out_dir: Optional[PathLike] = None,
) -> Assessment:
    """Assesses design proposals side by side (``crimescape assess``): free access
    to public space lost or gained on the walking network (reach within
    ``distances`` metres, detours, through-movement, public space enclosed) and,
    with a risk ``model`` (a ``model.json`` path or a :class:`RtmResult` from
    :func:`fit_rtm`), the expected incidents prevented, with verdicts.

    ``streets`` are the street centre lines (the walking network; endpoints within
    ``snap`` metres are joined, crossings split unless ``no_split_crossings``),
    ``paths`` added footpaths, ``spaces`` public-space polygons (parks, plazas),
    ``layers`` other built-environment layers the proposals change (bars, lights...).

    Example
    -------
    >>> a = cs.assess(d + "/city/streets.geojson", [d + "/assess/proposal_gate-park.geojson"],
    ...               spaces=[d + "/city/parks.geojson"], model=fit)   # doctest: +SKIP
    >>> a.proposals[["name", "verdict"]]                              # doctest: +SKIP
    """
    if isinstance(proposals, (str, os.PathLike)):
        proposals = [proposals]

    def run(d: str, model_path) -> Assessment:
        kw = dict(
            streets=os.fspath(streets),
            proposals=[os.fspath(p) for p in proposals],
            paths=None if paths is None else os.fspath(paths),
            spaces=[os.fspath(p) for p in spaces],
            layers=[os.fspath(p) for p in layers],
            model=model_path,
            layer_crs=layer_crs,
            snap=snap,
            no_split_crossings=no_split_crossings,
            distances=[float(v) for v in distances],
            no_per_action=no_per_action,
        )
        text = _native.assess(json.dumps({k: v for k, v in kw.items() if v is not None}), d)
        with open(os.path.join(d, "assessment.json"), encoding="utf-8") as f:
            return Assessment(json.load(f), text)

    with tempfile.TemporaryDirectory(prefix="crimescape-") as tmp:
        model_path = None
        if isinstance(model, RtmResult):
            model_path = os.path.join(tmp, "model.json")
            with open(model_path, "w", encoding="utf-8") as f:
                json.dump(model.model, f)
        elif model is not None:
            model_path = os.fspath(model)
        if out_dir is None:
            d = os.path.join(tmp, "out")
            return run(d, model_path)
        os.makedirs(os.fspath(out_dir), exist_ok=True)
        return run(os.fspath(out_dir), model_path)


# ---------------------------------------------------------------- shared by the results below


def _in_folder(out_dir, run):
    """Runs ``run(folder)`` in ``out_dir`` (created) or in a temporary folder."""
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="crimescape-") as d:
            return run(os.path.join(d, "out"))
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    return run(os.fspath(out_dir))


def _read_json(folder: str, name: str) -> dict:
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return json.load(f)


def _check_incidents(incidents, fn: str) -> None:
    if not isinstance(incidents, Incidents):
        raise ParameterError(
            f"{fn}: expected crimescape.Incidents (from load_incidents), got {type(incidents).__name__}"
        )


def _model_path(model, tmp: str) -> str:
    """A model.json path from a path or a fitted :class:`RtmResult`."""
    if isinstance(model, RtmResult):
        p = os.path.join(tmp, "model.json")
        with open(p, "w", encoding="utf-8") as f:
            json.dump(model.model, f)
        return p
    if model is None:
        raise ParameterError("model: expected a model.json path or a crimescape.RtmResult (from fit_rtm)")
    return os.fspath(model)


def _geojson_frame(folder: str, name: str, crs: Optional[str]):
    """A GeoJSON output (EPSG:4326) as a GeoDataFrame in the working CRS, or None
    without geopandas."""
    if not _has_geopandas():
        return None
    import geopandas as gpd

    path = os.path.join(folder, name)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not data.get("features"):
        return gpd.GeoDataFrame(geometry=[], crs=crs)
    g = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    return g.to_crs(crs) if crs else g


def _cell_frame(table: pd.DataFrame, cell: float, crs: Optional[str]):
    """Cells of ``cell`` metres centred on ``x``/``y``: a GeoDataFrame when geopandas
    is installed, else the table itself."""
    if not _has_geopandas():
        return table
    import geopandas as gpd
    import shapely

    h = cell / 2.0
    x, y = table["x"].to_numpy(), table["y"].to_numpy()
    return gpd.GeoDataFrame(table, geometry=shapely.box(x - h, y - h, x + h, y + h), crs=crs)


# ---------------------------------------------------------------- risk terrain: apply


class RiskSurface:
    """A saved risk terrain model applied to (changed) layers
    (``crimescape risk apply``).

    ``risk``: relative risk per cell of the model's grid (the CLI's ``risk.csv``:
    ``cell, x, y, risk, count``; NaN outside the model's study area; a GeoDataFrame
    of cells when geopandas is installed); ``text``: the CLI's summary line;
    ``to_dict()``: the table as records with the summary.
    """

    def __init__(self, risk, text: str):
        self.risk = risk
        self.text = text

    def to_dict(self) -> dict:
        """The risk table (records, without geometry) and the summary line."""
        t = pd.DataFrame(self.risk.drop(columns=["geometry"], errors="ignore"))
        return {"risk": t.to_dict(orient="records"), "text": self.text}

    def __repr__(self) -> str:
        return f"<crimescape.RiskSurface: {len(self.risk)} cells> {self.text.strip()}"


def apply_rtm(
    model: Union[PathLike, RtmResult],
    layers,
    *,
    layer_crs: Optional[str] = None,
    to_crs: Optional[str] = None,
    out_dir: Optional[PathLike] = None,
) -> RiskSurface:
    """Re-applies a fitted risk terrain model to (changed) layers
    (``crimescape risk apply``): the new relative risk surface on the model's grid.

    The model's factors (proximity within d metres, or density above mean + k SD of
    a layer, with the filters of the fit) are recomputed from ``layers`` and
    combined with the fitted coefficients: relative risk ``exp(sum b_j x_ij)``
    scaled so that the lowest-risk cell of the fit is 1 (Caplan & Kennedy 2016).
    Use it to see how a design change (a bar closed, lights repaired) moves the
    risk.

    ``model``: a ``model.json`` path or the :class:`RtmResult` of :func:`fit_rtm`;
    ``layers`` as in :func:`fit_rtm` (named as in the model); ``to_crs``: the
    model's working CRS, needed only for a model file without one.

    Example
    -------
    >>> fit = cs.fit_rtm(inc, {"bars": d + "/city/bars.geojson"})   # doctest: +SKIP
    >>> new = cs.apply_rtm(fit, {"bars": "bars_after.geojson"})      # doctest: +SKIP
    >>> new.risk["risk"].max()                                       # doctest: +SKIP
    """
    specs = _layer_specs(layers)
    with tempfile.TemporaryDirectory(prefix="crimescape-") as tmp:
        mp = _model_path(model, tmp)
        kw = json.dumps({k: v for k, v in dict(model=mp, layers=specs, layer_crs=layer_crs, to_crs=to_crs).items() if v is not None})
        if out_dir is None:  # straight from memory: no file
            got, crs, cell = _native.apply_rtm(kw, None)
            text, risk = got["text"], _memory(got)[0]["risk.csv"]
        else:
            d = os.fspath(out_dir)
            os.makedirs(d, exist_ok=True)
            text, crs, cell = _native.apply_rtm(kw, d)
            risk = _read_csv(os.path.join(d, "risk.csv"))
    # the model's working CRS and grid as the library read them
    crs = _crs_name(json.loads(crs))
    return RiskSurface(_cell_frame(risk, cell, crs) if cell > 0 else risk, text)


# ---------------------------------------------------------------- ranked sites


class SiteRanking:
    """Places ranked for environmental-design and target-hardening changes
    (``crimescape sites``).

    ``sites``: every ranked unit (the CLI's ``sites.csv``: rank, unit, id, centre
    ``x``/``y``, count, burden, persistence, hot periods, repeat share, risk,
    modifiable share, the weighted components ``c_*``, ``score``, the model's
    ``factors`` present, ``suggestions`` (kinds of change), and the temporal
    signature ``night_share``, ``weekend_night_share``, ``peak_hour``);
    ``top``: the top ``top`` units with their geometry (the CLI's
    ``sites.geojson``; a GeoDataFrame in the working CRS, None without geopandas);
    ``summary``: the CLI's ``sites.json``; ``text``: its terminal table;
    ``warnings``: e.g. a model that covers the incidents only in part.
    """

    def __init__(self, sites: pd.DataFrame, top, summary: dict, text: str, warnings: list):
        self.sites = sites
        self.top = top
        self.summary = summary
        self.text = text
        self.warnings = warnings

    def to_dict(self) -> dict:
        """The ranking (the CLI's ``sites.json``) with every site as records."""
        d = dict(self.summary)
        d["table"] = self.sites.to_dict(orient="records")
        return d

    def __repr__(self) -> str:
        return f"<crimescape.SiteRanking: {len(self.sites)} units>\n{self.text}"


def rank_sites(
    incidents: Incidents,
    model: Union[PathLike, RtmResult],
    layers,
    *,
    layer_crs: Optional[str] = None,
    units: str = "cells",
    streets: Optional[PathLike] = None,
    split: bool = False,
    tolerance: float = 30.0,
    site_layer: Optional[PathLike] = None,
    site_radius: float = 50.0,
    seriousness: Optional[PathLike] = None,
    strict_seriousness: bool = False,
    periods: int = 4,
    period_days: Optional[int] = None,
    persistence_top: float = 0.05,
    mapping: Optional[PathLike] = None,
    top: int = 20,
    w_burden: float = 0.35,
    w_persistence: float = 0.15,
    w_repeat: float = 0.10,
    w_risk: float = 0.25,
    w_modifiable: float = 0.15,
    tz: Optional[str] = None,
    out_dir: Optional[PathLike] = None,
) -> SiteRanking:
    """Ranks cells, street segments or user sites for situational changes
    (``crimescape sites``).

    Each unit gets five components scaled to [0, 1]: crime burden (counts, weighted
    by ``seriousness`` when given), persistence (share of ``periods`` equal periods,
    or periods of ``period_days`` days, in which the unit is in the top
    ``persistence_top`` share of units), repeat share (incidents at a location hit
    before), the RTM relative risk of ``model`` and the modifiable share of that
    risk (factors a design change can act on); ``score`` is their weighted sum
    (``w_*``). The top ``top`` units get suggested kinds of change from the
    factor -> CPTED ``mapping`` (the shipped one by default). The temporal
    signature columns need ``tz`` (an IANA time zone) for the night shares.

    ``units``: ``"cells"`` (the model's grid), ``"segments"`` (of ``streets``,
    incidents within ``tolerance`` metres, ``split`` at intersections) or
    ``"sites"`` (points with ``site_radius`` or polygons of ``site_layer``).

    Example
    -------
    >>> ranking = cs.rank_sites(inc, fit, {"bars": d + "/city/bars.geojson"})  # doctest: +SKIP
    >>> ranking.sites[["rank", "id", "score", "suggestions"]].head()           # doctest: +SKIP
    """
    _check_incidents(incidents, "rank_sites")
    specs = _layer_specs(layers)

    def run(d: str) -> SiteRanking:
        with tempfile.TemporaryDirectory(prefix="crimescape-") as tmp:
            kw = dict(
                model=_model_path(model, tmp),
                layers=specs,
                layer_crs=layer_crs,
                units=units,
                streets=None if streets is None else os.fspath(streets),
                split=split,
                tolerance=tolerance,
                site_layer=None if site_layer is None else os.fspath(site_layer),
                site_radius=site_radius,
                seriousness=None if seriousness is None else os.fspath(seriousness),
                strict_seriousness=strict_seriousness,
                periods=periods,
                period_days=period_days,
                persistence_top=persistence_top,
                mapping=None if mapping is None else os.fspath(mapping),
                top=top,
                w_burden=w_burden,
                w_persistence=w_persistence,
                w_repeat=w_repeat,
                w_risk=w_risk,
                w_modifiable=w_modifiable,
                tz=tz,
            )
            text, warns = _native.rank_sites(
                incidents._native, json.dumps({k: v for k, v in kw.items() if v is not None}), d
            )
        if warns:
            import warnings

            for w in warns:
                warnings.warn(w, stacklevel=3)
        return SiteRanking(
            _read_csv(os.path.join(d, "sites.csv")),
            _geojson_frame(d, "sites.geojson", incidents.working_crs),
            _read_json(d, "sites.json"),
            text,
            list(warns),
        )

    return _in_folder(out_dir, run)


# ---------------------------------------------------------------- intervention evaluation


class Evaluation:
    """An evaluated intervention (``crimescape evaluate``).

    ``areas``: one row per treatment area (counts in treatment, buffer and control
    before and after, relative change with its interval, odds ratio, WDQ...),
    flattened from the CLI's ``evaluation.json``; ``bins``: monthly counts per area
    and zone; ``its``: the interrupted time series per area; ``pooled``: the
    pooled odds ratio over several areas (None for one); ``report``: the CLI's
    ``evaluation.md``; ``zones``: the treatment, buffer and control zones
    (``areas.geojson``; a GeoDataFrame in the working CRS, None without geopandas);
    ``text``: the summary; ``to_dict()``: the whole ``evaluation.json``.
    """

    def __init__(self, data: dict, report: str, zones, text: str):
        self._data = data
        self.report = report
        self.zones = zones
        self.text = text
        self.areas = pd.json_normalize(data.get("areas", []))
        self.its = pd.json_normalize(data.get("its", []))
        self.bins = pd.json_normalize(data.get("bins", []))
        self.pooled = data.get("pooled")
        self.notes = list(data.get("notes", []))

    def to_dict(self) -> dict:
        """The whole evaluation (the CLI's ``evaluation.json``)."""
        return self._data

    def __repr__(self) -> str:
        return f"<crimescape.Evaluation: {len(self.areas)} area(s)>\n{self.text}"


def evaluate(
    incidents: Incidents,
    treatment: PathLike,
    *,
    areas_crs: Optional[str] = None,
    area_field: Optional[str] = None,
    radius: float = 0.0,
    buffer: float = 400.0,
    control: Optional[PathLike] = None,
    control_cell: float = 250.0,
    intervention_date: Optional[str] = None,
    pre: Union[None, str, Sequence[str]] = None,
    post: Union[None, str, Sequence[str]] = None,
    costs: Optional[PathLike] = None,
    confidence: float = 0.95,
    dispersion: Union[str, float] = "auto",
    its: str = "nb",
    its_slope_change: bool = False,
    out_dir: Optional[PathLike] = None,
) -> Evaluation:
    """Evaluates an intervention (``crimescape evaluate``): counts before and after
    in the treatment area, a ``buffer`` ring (displacement or diffusion of benefits)
    and a control area (``control`` polygons, or comparable grid cells of
    ``control_cell`` metres chosen automatically).

    The relative change is the odds ratio ``(Tb Ca) / (Ta Cb)`` with its
    ``confidence`` interval (Farrington & Welsh's log-odds variance, inflated by
    the over-dispersion of monthly counts unless ``dispersion="poisson"``), the
    weighted displacement quotient (Bowers & Johnson 2003) for the buffer, an
    interrupted time series (negative binomial GLM with a step, and a slope change
    with ``its_slope_change``; ``its="poisson"`` or ``"none"``) and, with a
    ``costs`` TOML file, a cost-benefit account.

    Periods: ``intervention_date`` (YYYY-MM-DD; the longest equal spans before and
    after within the data), or ``pre`` and ``post`` as ``(FROM, TO)`` (TO excluded)
    or the CLI's ``"FROM..TO"``. Point or line treatments need ``radius`` metres.

    Example
    -------
    >>> ev = cs.evaluate(inc, "treatment.geojson", areas_crs="EPSG:32631",
    ...                  intervention_date="2024-07-01")    # doctest: +SKIP
    >>> ev.areas[["name", "relative_change.estimate"]]       # doctest: +SKIP
    """
    _check_incidents(incidents, "evaluate")

    def span(v, key):
        if v is None or isinstance(v, str):
            return v
        v = list(v)
        if len(v) != 2:
            raise ParameterError(f"{key}: expected (FROM, TO) or 'FROM..TO', got {v!r}")
        return f"{v[0]}..{v[1]}"

    kw = dict(
        treatment=os.fspath(treatment),
        areas_crs=areas_crs,
        area_field=area_field,
        radius=radius,
        buffer=buffer,
        control=None if control is None else os.fspath(control),
        control_cell=control_cell,
        intervention_date=intervention_date,
        pre=span(pre, "pre"),
        post=span(post, "post"),
        costs=None if costs is None else os.fspath(costs),
        confidence=confidence,
        dispersion=str(dispersion),
        its=its,
        its_slope_change=its_slope_change,
    )

    def run(d: str) -> Evaluation:
        text = _native.evaluate(
            incidents._native, json.dumps({k: v for k, v in kw.items() if v is not None}), d
        )
        with open(os.path.join(d, "evaluation.md"), encoding="utf-8") as f:
            report = f.read()
        return Evaluation(
            _read_json(d, "evaluation.json"),
            report,
            _geojson_frame(d, "areas.geojson", incidents.working_crs),
            text,
        )

    return _in_folder(out_dir, run)


# ---------------------------------------------------------------- street segments


class SegmentResult:
    """Incidents per street segment and the law of crime concentration
    (``crimescape segments``; Weisburd 2015).

    ``segments``: one row per segment (the CLI's ``segments.csv``; a GeoDataFrame
    of lines in the working CRS when geopandas is installed); ``top``: the busiest
    segments (``top_segments.csv``); ``concentration``: Gini and the share of
    segments (and of grid cells, for comparison) holding 25 % and 50 % of the
    incidents (``concentration.json``); ``text``: the summary.
    """

    def __init__(self, segments, top: pd.DataFrame, concentration: dict, text: str):
        self.segments = segments
        self.top = top
        self.concentration = concentration
        self.text = text

    def to_dict(self) -> dict:
        """The concentration (``concentration.json``) and the top segments as records."""
        return {"concentration": self.concentration, "top": self.top.to_dict(orient="records")}

    def __repr__(self) -> str:
        return f"<crimescape.SegmentResult: {len(self.segments)} segments>\n{self.text}"


def segments(
    incidents: Incidents,
    streets: PathLike,
    *,
    streets_crs: Optional[str] = None,
    split: bool = False,
    tolerance: float = 30.0,
    top: int = 20,
    cell: Optional[float] = None,
    out_dir: Optional[PathLike] = None,
) -> SegmentResult:
    """Incidents per street segment (``crimescape segments``): each incident is
    snapped to its nearest segment within ``tolerance`` metres (inclusive; others
    are counted as unsnapped), segments are the street lines or, with ``split``,
    the pieces between intersections. The concentration over segments (Gini, share
    of segments with 25 % / 50 % of the incidents) is compared with that over grid
    cells of ``cell`` metres (sfhotspot's rule by default).

    Example
    -------
    >>> import crimescape as cs, tempfile
    >>> d = tempfile.mkdtemp(); _ = cs.demo_city(d, incidents=2000, size=3000)
    >>> inc = cs.load_incidents(d + "/city/incidents.csv")
    >>> seg = cs.segments(inc, d + "/city/streets.geojson", split=True)
    >>> bool(seg.top["count"].iloc[0] > seg.segments["count"].median())
    True
    """
    _check_incidents(incidents, "segments")
    kw = dict(streets=os.fspath(streets), streets_crs=streets_crs, split=split,
              tolerance=tolerance, top=top, cell=cell)

    def run(d: str) -> SegmentResult:
        text = _native.segments(
            incidents._native, json.dumps({k: v for k, v in kw.items() if v is not None}), d
        )
        table = _read_csv(os.path.join(d, "segments.csv"))
        geo = _geojson_frame(d, "segments.geojson", incidents.working_crs)
        if geo is not None and "segment" in geo.columns:
            import geopandas as gpd

            by_id = geo.set_index("segment").geometry
            table = gpd.GeoDataFrame(table, geometry=by_id.loc[table["segment"]].to_numpy(), crs=geo.crs)
        return SegmentResult(
            table,
            _read_csv(os.path.join(d, "top_segments.csv")),
            _read_json(d, "concentration.json"),
            text,
        )

    return _in_folder(out_dir, run)
