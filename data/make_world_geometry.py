"""Make data/world_110m.geojson from the world-atlas package's countries-110m.json.

Run once, by hand, when the geometry should change (the app never runs it):

    npm pack world-atlas@2.0.2          # a tarball from the npm registry
    tar xzf world-atlas-2.0.2.tgz       # gives package/countries-110m.json
    python data/make_world_geometry.py package/countries-110m.json data/world_110m.geojson

What it does (see data/README_geometry.md for the why):

- decodes the TopoJSON (quantised, delta-encoded arcs) into GeoJSON polygons;
- keys every country by its ISO 3166-1 alpha-3 code (the codes CTDC files use), mapped
  from the ISO numeric id world-atlas gives, via pycountry;
- Kosovo, which has no ISO code, gets "XKX" (the code the EU and the World Bank use);
  Northern Cyprus and Somaliland, which Natural Earth draws apart but which have no
  ISO code of their own, are drawn as parts of Cyprus and Somalia;
- rounds coordinates to 3 decimals (about 100 m; the 1:110m source is coarser than that);
- keeps each country's name (Natural Earth's short name) as ``properties.name``.

The output is plain GeoJSON: a FeatureCollection sorted by code, one feature per line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pycountry

#: Natural Earth units that have no ISO 3166-1 code of their own.
NO_ISO_CODE = {"Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}
DECIMALS = 3

Point = list[float]
Ring = list[Point]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc in longitude/latitude: undo the delta encoding and the quantisation."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append(
                [round(x * scale_x + shift_x, DECIMALS), round(y * scale_y + shift_y, DECIMALS)]
            )
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[Point]]) -> Ring:
    """One closed ring from arc indices (a negative index ~i is arc i reversed)."""
    points: Ring = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict[str, Any], arcs: list[list[Point]]) -> list[list[Ring]]:
    """A geometry's polygons (each a list of rings, exterior first)."""
    if geometry["type"] == "Polygon":
        return [[ring(r, arcs) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
    return []


def alpha3(geometry: dict[str, Any]) -> str:
    name = geometry["properties"]["name"]
    if name in NO_ISO_CODE:
        return NO_ISO_CODE[name]
    record = pycountry.countries.get(numeric=geometry["id"])
    if record is None:
        raise ValueError(f"no ISO 3166-1 country for {name!r} (numeric {geometry['id']})")
    return str(record.alpha_3)


def convert(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = decode_arcs(topology)
    shapes: dict[str, list[list[Ring]]] = {}
    names: dict[str, str] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = alpha3(geometry)
        shapes.setdefault(code, []).extend(polygons(geometry, arcs))
        # A merged unit (N. Cyprus, Somaliland) keeps the sovereign's name.
        if geometry["properties"]["name"] not in NO_ISO_CODE or code == "XKX":
            names[code] = geometry["properties"]["name"]
    features = []
    for code in sorted(shapes):
        parts = shapes[code]
        geometry = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"name": names[code]},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write(collection: dict[str, Any], path: Path) -> None:
    lines = [
        json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in collection["features"]
    ]
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    topology = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    collection = convert(topology)
    write(collection, Path(argv[2]))
    print(f"{len(collection['features'])} countries written to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
