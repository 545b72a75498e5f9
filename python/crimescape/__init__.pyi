"""Type stubs of crimescape (the Python module of the crimescape Rust library)."""

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

PathLike = Union[str, os.PathLike[str]]
Frame = Any  # geopandas.GeoDataFrame when geopandas is installed, else pandas.DataFrame
Layers = Union[Dict[str, Union[PathLike, Tuple[PathLike, str]]], Sequence[str]]

__version__: str

class CrimescapeError(Exception):
    path: Optional[str]
    row: Optional[int]
    column: Optional[str]
    value: Optional[str]

class InputError(CrimescapeError): ...
class CrsError(CrimescapeError): ...
class ParameterError(CrimescapeError): ...
class DataError(CrimescapeError): ...

class Incidents:
    source: str
    report: pd.DataFrame
    load_report: Dict[str, Any]
    crs: Dict[str, Any]
    def __len__(self) -> int: ...
    @property
    def working_crs(self) -> Optional[str]: ...
    @property
    def xy(self) -> npt.NDArray[np.float64]: ...
    @property
    def times(self) -> npt.NDArray[np.datetime64]: ...
    def to_pandas(self) -> pd.DataFrame: ...
    def to_geopandas(self) -> Any: ...

class KnoxResult:
    table: pd.DataFrame
    summary: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    ratio: pd.DataFrame
    p: pd.DataFrame
    def to_dict(self) -> Dict[str, Any]: ...
    def plot(self, ax: Any = ...) -> Any: ...

class RtmResult:
    factors: pd.DataFrame
    risk: Frame
    model: Dict[str, Any]
    summary: Dict[str, Any]
    def to_dict(self) -> Dict[str, Any]: ...

def load_incidents(
    source: Union[PathLike, pd.DataFrame],
    *,
    x: Optional[str] = ...,
    y: Optional[str] = ...,
    location: Optional[str] = ...,
    time: Optional[str] = ...,
    time_to: Optional[str] = ...,
    time_format: Optional[str] = ...,
    category: Optional[str] = ...,
    crs: Optional[str] = ...,
    to_crs: Optional[str] = ...,
    delimiter: Optional[str] = ...,
    max_window: float = ...,
    keep_outliers: bool = ...,
    strict: bool = ...,
) -> Incidents: ...
def demo_city(
    out_dir: PathLike,
    *,
    seed: int = ...,
    incidents: int = ...,
    size: float = ...,
    city_only: bool = ...,
) -> str: ...
def grid_counts(
    incidents: Incidents,
    *,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    hex: bool = ...,
    by_category: bool = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...
def kde(
    incidents: Incidents,
    *,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    kernel: str = ...,
    bandwidth: Union[str, float] = ...,
    centres: bool = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...
def gi_star(
    incidents: Incidents,
    *,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    hex: bool = ...,
    neighbours: str = ...,
    radius: Optional[float] = ...,
    k: int = ...,
    power: float = ...,
    permutations: int = ...,
    seed: int = ...,
    fdr: bool = ...,
    bins_from_permutations: bool = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...
def local_moran(
    incidents: Incidents,
    *,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    hex: bool = ...,
    neighbours: str = ...,
    radius: Optional[float] = ...,
    k: int = ...,
    power: float = ...,
    permutations: int = ...,
    seed: int = ...,
    alpha: float = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...
def knox(
    incidents: Incidents,
    *,
    space: Sequence[float] = ...,
    time: Sequence[float] = ...,
    nrc: Optional[Sequence[float]] = ...,
    nrc_time: Optional[Sequence[float]] = ...,
    metric: str = ...,
    window_rule: str = ...,
    nrep: int = ...,
    seed: int = ...,
    max_pairs: int = ...,
    label: Optional[str] = ...,
    out_dir: Optional[PathLike] = ...,
) -> KnoxResult: ...
def dbscan(
    points: Union[Incidents, npt.ArrayLike], *, eps: float = ..., min_samples: int = ...
) -> npt.NDArray[np.int64]: ...
def hdbscan(
    points: Union[Incidents, npt.ArrayLike],
    *,
    min_cluster_size: int = ...,
    min_samples: Optional[int] = ...,
) -> npt.NDArray[np.int64]: ...
def st_dbscan(
    incidents: Incidents, *, eps: float = ..., eps_days: float, min_samples: int = ...
) -> npt.NDArray[np.int64]: ...
def fit_rtm(
    incidents: Incidents,
    layers: Layers,
    *,
    layer_crs: Optional[str] = ...,
    block: float = ...,
    distances: Optional[Sequence[float]] = ...,
    cell: Optional[float] = ...,
    op: str = ...,
    density_sd: float = ...,
    folds: int = ...,
    l1_ratio: float = ...,
    seed: int = ...,
    null_shifts: int = ...,
    null_alpha: float = ...,
    boundary: Optional[PathLike] = ...,
    out_dir: Optional[PathLike] = ...,
) -> RtmResult: ...

class Assessment:
    proposals: pd.DataFrame
    dominated: list
    text: str
    def to_dict(self) -> Dict[str, Any]: ...

def assess(
    streets: PathLike,
    proposals: Union[PathLike, Sequence[PathLike]],
    *,
    paths: Optional[PathLike] = ...,
    spaces: Sequence[PathLike] = ...,
    layers: Sequence[PathLike] = ...,
    model: Union[None, PathLike, RtmResult] = ...,
    layer_crs: Optional[str] = ...,
    snap: float = ...,
    no_split_crossings: bool = ...,
    distances: Sequence[float] = ...,
    no_per_action: bool = ...,
    out_dir: Optional[PathLike] = ...,
) -> Assessment: ...

def hotspot_change(
    incidents: Incidents,
    *,
    split: str,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    alpha: float = ...,
    no_fdr: bool = ...,
    bandwidth: Optional[float] = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...
def emerging_hotspots(
    incidents: Incidents,
    *,
    cell: Optional[float] = ...,
    extent: str = ...,
    weight: Optional[str] = ...,
    neighbours: str = ...,
    radius: Optional[float] = ...,
    k: int = ...,
    power: float = ...,
    period_days: Optional[int] = ...,
    start: Optional[str] = ...,
    alpha: float = ...,
    fdr: bool = ...,
    time_steps: int = ...,
    out_dir: Optional[PathLike] = ...,
) -> Frame: ...

class RiskSurface:
    risk: Frame
    text: str
    def to_dict(self) -> Dict[str, Any]: ...

def apply_rtm(
    model: Union[PathLike, RtmResult],
    layers: Layers,
    *,
    layer_crs: Optional[str] = ...,
    to_crs: Optional[str] = ...,
    out_dir: Optional[PathLike] = ...,
) -> RiskSurface: ...

class SiteRanking:
    sites: pd.DataFrame
    top: Any
    summary: Dict[str, Any]
    text: str
    warnings: List[str]
    def to_dict(self) -> Dict[str, Any]: ...

def rank_sites(
    incidents: Incidents,
    model: Union[PathLike, RtmResult],
    layers: Layers,
    *,
    layer_crs: Optional[str] = ...,
    units: str = ...,
    streets: Optional[PathLike] = ...,
    split: bool = ...,
    tolerance: float = ...,
    site_layer: Optional[PathLike] = ...,
    site_radius: float = ...,
    seriousness: Optional[PathLike] = ...,
    strict_seriousness: bool = ...,
    periods: int = ...,
    period_days: Optional[int] = ...,
    persistence_top: float = ...,
    mapping: Optional[PathLike] = ...,
    top: int = ...,
    w_burden: float = ...,
    w_persistence: float = ...,
    w_repeat: float = ...,
    w_risk: float = ...,
    w_modifiable: float = ...,
    tz: Optional[str] = ...,
    out_dir: Optional[PathLike] = ...,
) -> SiteRanking: ...

class Evaluation:
    areas: pd.DataFrame
    bins: pd.DataFrame
    its: pd.DataFrame
    pooled: Optional[Dict[str, Any]]
    notes: List[str]
    report: str
    zones: Any
    text: str
    def to_dict(self) -> Dict[str, Any]: ...

def evaluate(
    incidents: Incidents,
    treatment: PathLike,
    *,
    areas_crs: Optional[str] = ...,
    area_field: Optional[str] = ...,
    radius: float = ...,
    buffer: float = ...,
    control: Optional[PathLike] = ...,
    control_cell: float = ...,
    intervention_date: Optional[str] = ...,
    pre: Union[None, str, Sequence[str]] = ...,
    post: Union[None, str, Sequence[str]] = ...,
    costs: Optional[PathLike] = ...,
    confidence: float = ...,
    dispersion: Union[str, float] = ...,
    its: str = ...,
    its_slope_change: bool = ...,
    out_dir: Optional[PathLike] = ...,
) -> Evaluation: ...

class SegmentResult:
    segments: Frame
    top: pd.DataFrame
    concentration: Dict[str, Any]
    text: str
    def to_dict(self) -> Dict[str, Any]: ...

def segments(
    incidents: Incidents,
    streets: PathLike,
    *,
    streets_crs: Optional[str] = ...,
    split: bool = ...,
    tolerance: float = ...,
    top: int = ...,
    cell: Optional[float] = ...,
    out_dir: Optional[PathLike] = ...,
) -> SegmentResult: ...
