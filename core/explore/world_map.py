"""The world map: records by country of citizenship or of exploitation, drawn offline.

The country shapes ship with the project (``data/world_110m.geojson``: Natural Earth
1:110m via the world-atlas package, keyed by ISO 3166-1 alpha-3; see
``data/README_geometry.md``), so the map needs no network when it is viewed or exported.

Small-cell protection: a country with 1..k-1 records is drawn grey and "withheld",
never with its count; because the map's total is known elsewhere on a page, a lone
small count would follow by subtraction, so the smallest other country is withheld too
(:func:`core.suppression.suppress_complementary`). Both get the same grey, the same status
and the same hover sentence: telling the protector from the small one would give the
small count back as the grey countries' sum (known by subtraction) less k or more.
Countries with no records are left pale, not coloured.

Examples
--------
>>> frame = pd.DataFrame({"citizenship": ["UKR"] * 30 + ["MDA"] * 12 + ["PHL"] * 3})
>>> country_counts(frame, by="citizenship").values.tolist()
[['UKR', 'Ukraine', 30], ['MDA', 'Moldova', 12], ['PHL', 'Philippines', 3]]
>>> map_cells(country_counts(frame, by="citizenship"), k=10)["status"].tolist()
['shown', 'withheld', 'withheld']
"""

from __future__ import annotations

import copy
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from core.data.clean import country_name
from core.privacy import check_k
from core.suppression import protect_linear, suppress_complementary

__all__ = [
    "BY_OPTIONS",
    "GEOMETRY_PATH",
    "NOTE_BORDERS",
    "WITHHELD_HOVER",
    "country_counts",
    "map_cells",
    "world_geometry",
    "world_map",
]

#: The two ways of placing a record on the map, and the column each reads.
BY_OPTIONS: dict[str, str] = {
    "citizenship": "citizenship",
    "exploitation": "CountryOfExploitation",
}
_BY_WORDS = {"citizenship": "country of citizenship", "exploitation": "country of exploitation"}
GEOMETRY_PATH = Path(__file__).resolve().parents[2] / "data" / "world_110m.geojson"
NOTE_BORDERS = (
    "Borders: Natural Earth 1:110m. They imply no position on the status of any territory "
    "or on disputed borders."
)
#: The hover sentence of every grey country ("{k}" is the threshold): one sentence for a
#: small count and for its protector, so that the hover cannot tell them apart.
WITHHELD_HOVER = (
    "withheld: fewer than {k} records, or withheld so that such a count cannot be worked out"
)

# Sequential single-hue blues (ColorBrewer "Blues" without its three palest steps):
# light-to-dark steps of one hue read with every kind of colour-vision deficiency. The
# protected grey sits in lightness between "no records" and the palest blue, as "fewer
# than k" sits between none and k.
_BLUES = (
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
)
_NO_RECORDS = "#f4f4f4"
_PROTECTED = "#d0d0d0"
_BORDER = "#ffffff"
_BORDER_PALE = "#c8c8c8"


def _check_by(by: str) -> str:
    if by not in BY_OPTIONS:
        allowed = ", ".join(repr(option) for option in BY_OPTIONS)
        raise ValueError(f"by must be one of {allowed}, not {by!r}.")
    return BY_OPTIONS[by]


@lru_cache(maxsize=1)
def _geometry() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GEOMETRY_PATH.read_text(encoding="utf-8"))
    return data


def world_geometry() -> dict[str, Any]:
    """The shipped country shapes: a GeoJSON FeatureCollection, ``feature["id"]`` ISO3.

    Examples
    --------
    >>> features = world_geometry()["features"]
    >>> len(features) >= 170, features[0]["id"], features[0]["properties"]["name"]
    (True, 'AFG', 'Afghanistan')
    """
    return copy.deepcopy(_geometry())


def _geometry_names() -> dict[str, str]:
    return {str(f["id"]): str(f["properties"]["name"]) for f in _geometry()["features"]}


def country_counts(
    frame: pd.DataFrame, /, *, by: Literal["citizenship", "exploitation"] | str
) -> pd.DataFrame:
    """Records per country, by country of citizenship or of exploitation.

    Records with the country unknown are left out. Names come from the frame's own name
    column where it has one (as the loader writes them), else from the ISO code, else
    from the map's geometry (e.g. Kosovo, "XKX", which ISO 3166 does not list).

    Returns
    -------
    DataFrame
        Columns ``code`` (ISO alpha-3 as the file writes it), ``name`` and ``count``,
        largest first (ties by name).

    Examples
    --------
    >>> frame = pd.DataFrame({"CountryOfExploitation": ["RUS", "RUS", None, "XKX"]})
    >>> country_counts(frame, by="exploitation").values.tolist()
    [['RUS', 'Russian Federation', 2], ['XKX', 'Kosovo', 1]]
    >>> country_counts(frame, by="residence")
    Traceback (most recent call last):
    ...
    ValueError: by must be one of 'citizenship', 'exploitation', not 'residence'.
    """
    column = _check_by(by)
    if column not in frame.columns:
        raise ValueError(f"The data have no {column!r} column to count countries by.")
    codes = frame[column].astype("string").str.strip().str.upper()
    codes = codes[codes.notna() & (codes != "")]
    counts = codes.value_counts()
    names_in_frame: dict[str, str] = {}
    name_column = f"{column}Name"
    if name_column in frame.columns:
        known = frame.loc[codes.index, name_column]
        pairs = pd.DataFrame({"code": codes, "name": known}).dropna().drop_duplicates("code")
        names_in_frame = dict(zip(pairs["code"], pairs["name"].astype(str), strict=True))
    geometry_names = _geometry_names()

    def name_of(code: str) -> str:
        name = names_in_frame.get(code) or country_name(code)
        return geometry_names.get(code, name) if name == code else name

    table = pd.DataFrame(
        {
            "code": counts.index.astype(str),
            "name": [name_of(str(code)) for code in counts.index],
            "count": counts.to_numpy(dtype=np.int64),
        }
    )
    table = table.sort_values(["count", "name"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    # the records with the country not recorded: one more cell of the row of countries
    # that adds up to the records in view (see map_cells)
    table.attrs["not_recorded"] = int(len(frame) - len(codes))
    return table


def map_cells(table: pd.DataFrame, /, *, k: int) -> pd.DataFrame:
    """The table as the map shows it: counts below ``k`` and their protectors withheld.

    Parameters
    ----------
    table
        From :func:`country_counts` (columns ``code``, ``name``, ``count``).
    k
        The small-cell threshold.

    Returns
    -------
    DataFrame
        ``code``, ``name``, ``count`` (NaN where withheld), ``status`` ("shown" or
        "withheld": fewer than k records, or k or more withheld so that such a count
        cannot be worked out from the total; one status for both, so that which is
        which cannot be told) and ``on_map`` (whether the shipped geometry has the
        country; tiny states and territories are not drawn at 1:110m). Shown countries
        come first, largest first; the withheld follow by name, whatever their counts.
        Safe to export as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["UKR", "MDA", "SGP"], "name": ["Ukraine", "Moldova",
    ...                   "Singapore"], "count": [30, 20, 15]})
    >>> map_cells(t, k=10)[["count", "status", "on_map"]].values.tolist()
    [[30.0, 'shown', True], [20.0, 'shown', True], [15.0, 'shown', False]]
    """
    k = check_k(k)
    counts = pd.to_numeric(table["count"], errors="coerce").fillna(0).astype(int)
    cells = pd.DataFrame(
        {"code": table["code"].astype(str), "name": table["name"].astype(str), "count": counts}
    ).reset_index(drop=True)
    cells = cells[cells["count"] > 0].reset_index(drop=True)
    suppression = suppress_complementary(
        cells.assign(_all=0), count_column="count", groups=[["_all"]], k=k
    )
    not_recorded = table.attrs.get("not_recorded")
    if not_recorded:
        # the countries and the records with the country not recorded (their count is in
        # the data-quality table) add up to the records in view (in every header): a small
        # not-recorded count needs a withheld country beside it
        n = len(cells)
        values = [float(cells["count"].sum() + not_recorded), *cells["count"], not_recorded]
        fixed = [True, *([False] * n), True]
        more = protect_linear(
            values,
            [{i: (1.0 if i == 0 else -1.0) for i in range(n + 2)}],
            k=k,
            shown=[True] * (n + 2),
            fixed=fixed,
        )[1 : n + 1]
        suppression = suppress_complementary(
            cells.assign(_all=0),
            count_column="count",
            groups=[["_all"]],
            k=k,
            also_primary=more,
        )
    # one status for a small count and its protector alike: telling them apart would
    # give the small count back as the grey countries' (public) sum less the protector's
    withheld = (cells["count"] < k).to_numpy() | np.asarray(suppression.withheld, dtype=bool)
    status = np.where(withheld, "withheld", "shown")
    cells["count"] = cells["count"].astype(float).where(status == "shown")
    cells["status"] = status
    cells["on_map"] = cells["code"].isin(_geometry_names())
    # shown largest first, then the withheld by name: their order must not follow their
    # counts either (it would tell the protector from the small one, or place a withheld
    # count between two shown ones of the same count)
    shown = cells[cells["status"] == "shown"]
    hidden = cells[cells["status"] != "shown"].sort_values(["name", "code"], kind="stable")
    return pd.concat([shown, hidden]).reset_index(drop=True)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _colour_ticks(low: float, high: float) -> list[int]:
    """Counts to label on the colour bar: 1-2-5 steps within [low, high], ends if too few."""
    ticks = [
        step * 10**power
        for power in range(int(math.log10(low)), int(math.log10(high)) + 1)
        for step in (1, 2, 5)
        if low <= step * 10**power <= high
    ]
    if len(ticks) > 6:
        ticks = [t for t in ticks if str(t).startswith("1")]
    if len(ticks) < 2:
        ticks = sorted({int(low), int(high)})
    return ticks


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _country_layer(
    name: str, features: list[dict[str, Any]], /, *, hover: list[str], border: str, **colour: Any
) -> Any:
    """One choropleth trace of ``features``: outlined in ``border``, a hover sentence each;
    ``colour`` holds its colour settings (values, scale, colour bar)."""
    import plotly.graph_objects as go

    return go.Choropleth(
        name=name,
        geojson=_collection(features),
        featureidkey="id",
        locations=[f["id"] for f in features],
        marker={"line": {"color": border, "width": 0.5}},
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        **colour,
    )


def _flat(colour: str, n: int) -> dict[str, Any]:
    """The colour settings of a layer of ``n`` countries in one colour, without a bar."""
    return {
        "z": [0] * n,
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, colour], [1, colour]],
        "showscale": False,
    }


def world_map(
    table: pd.DataFrame,
    /,
    *,
    k: int,
    by: Literal["citizenship", "exploitation"] | str,
    title: str,
) -> Any:
    """A choropleth of records per country, drawn from the shipped geometry.

    Parameters
    ----------
    table
        From :func:`country_counts` (one row per country with its count).
    k
        The small-cell threshold: countries with 1..k-1 records (and any withheld to
        protect them, see :func:`map_cells`) are grey, all with the same hover sentence
        (:data:`WITHHELD_HOVER`), and their count appears nowhere in the figure.
    by
        "citizenship" or "exploitation": what the counts place a record by (the hover
        and colour-bar words).
    title
        The finding the map shows.

    Returns
    -------
    plotly.graph_objects.Figure
        Colour (log scale, single-hue blues) for countries with k or more records, names
        and counts on hover, a note on borders. It needs no network: the geometry is in
        the figure, and its first trace is a one-point ``scattergeo`` because plotly.js
        decides from a geo subplot's first trace whether to fetch its own world outline
        from a CDN (a choropleth first makes it fetch even with its own GeoJSON; a
        point placed by longitude and latitude, with the base layers off, does not).

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["UKR", "MDA"], "name": ["Ukraine", "Moldova"],
    ...                   "count": [300, 40]})
    >>> fig = world_map(t, k=10, by="citizenship", title="Ukraine leads")
    >>> [trace.name for trace in fig.data]
    ['anchor', 'no records', 'protected', 'records']
    >>> list(fig.data[3].locations), list(fig.data[3].hovertext)
    (['UKR', 'MDA'], ['Ukraine<br>300 records', 'Moldova<br>40 records'])
    """
    import plotly.graph_objects as go

    _check_by(by)
    k = check_k(k)
    cells = map_cells(table, k=k)
    drawn = cells[cells["on_map"]]
    name_of = dict(zip(drawn["code"].astype(str), drawn["name"].astype(str), strict=True))
    count_of = dict(zip(drawn["code"].astype(str), drawn["count"].to_numpy(), strict=True))
    features = _geometry()["features"]
    shown = drawn[drawn["status"] == "shown"]
    protected = drawn[drawn["status"] != "shown"]
    shown_codes = set(shown["code"])
    protected_codes = set(protected["code"])

    figure = go.Figure()
    figure.add_trace(
        go.Scattergeo(
            name="anchor",
            lon=[0.0],
            lat=[0.0],
            mode="markers",
            marker={"size": 1, "opacity": 0},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    # Countries without records: pale, their names on hover.
    empty = [f for f in features if f["id"] not in shown_codes | protected_codes]
    figure.add_trace(
        _country_layer(
            "no records",
            empty,
            hover=[f"{_escape(f['properties']['name'])}<br>No records" for f in empty],
            border=_BORDER_PALE,
            **_flat(_NO_RECORDS, len(empty)),
        )
    )
    protected_words = WITHHELD_HOVER.format(k=k)
    protected_features = [f for f in features if f["id"] in protected_codes]
    figure.add_trace(
        _country_layer(
            "protected",
            protected_features,
            hover=[f"{_escape(name_of[f['id']])}<br>{protected_words}" for f in protected_features],
            border=_BORDER,
            **_flat(_PROTECTED, len(protected_features)),
        )
    )
    order = {code: i for i, code in enumerate(shown["code"])}
    shown_features = sorted(
        (f for f in features if f["id"] in shown_codes), key=lambda f: order[f["id"]]
    )
    shown_counts = [int(count_of[f["id"]]) for f in shown_features]
    low, high = (min(shown_counts), max(shown_counts)) if shown_counts else (k, 10 * k)
    ticks = _colour_ticks(low, max(high, low + 1))
    figure.add_trace(
        _country_layer(
            "records",
            shown_features,
            hover=[
                f"{_escape(name_of[f['id']])}<br>{n:,} records"
                for f, n in zip(shown_features, shown_counts, strict=True)
            ],
            border=_BORDER,
            z=[math.log10(n) for n in shown_counts],
            zmin=math.log10(low),
            zmax=math.log10(max(high, low + 1)),
            colorscale=[[i / (len(_BLUES) - 1), c] for i, c in enumerate(_BLUES)],
            colorbar={
                "title": {"text": "Records<br>(log scale)"},
                "tickvals": [math.log10(t) for t in ticks],
                "ticktext": [f"{t:,}" for t in ticks],
                "len": 0.6,
                "thickness": 14,
            },
        )
    )

    note = [
        NOTE_BORDERS,
        f"Grey: fewer than {k} records, or withheld to protect such a count. Palest: no records.",
    ]
    off_map = cells[~cells["on_map"]]
    if len(off_map):
        names = ", ".join(sorted(off_map["name"]))
        note.append(f"Too small to draw at this scale, not shown: {_escape(names)}.")
    figure.add_annotation(
        name="note",
        text="<br>".join(note),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555555"},
    )
    figure.update_geos(
        visible=False,
        showframe=False,
        projection={"type": "natural earth"},
        lataxis={"range": [-58, 84]},
    )
    figure.update_layout(
        title={"text": _escape(title), "x": 0, "xanchor": "left"},
        height=540,
        margin={"l": 10, "r": 10, "t": 50, "b": 20 + 16 * len(note)},
        hoverlabel={"align": "left"},
    )
    return figure
