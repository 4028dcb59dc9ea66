"""The plate map: a grid of rows × columns built from an RFC-8 plate collection node.

Each well has an outcome (its colour on the page): ``ok``, ``warning`` (a
warning names a file of the well), ``failed`` (a violation or an error names
one); a grid position without a well is empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .tree import TreeNode

OUTCOMES = ("ok", "warning", "failed")


@dataclass
class Field:
    """One field (image) of a well."""

    name: str
    path: str | None
    acquisition: str | None
    directory: str
    node: TreeNode
    #: the acquisition's name (its id when it has none)
    acquisition_name: str | None = None

    @property
    def image(self) -> TreeNode | None:
        """The field's multiscale (the field itself, or the image inside a field with labels)."""
        return image_of(self.node)

    @property
    def levels(self) -> int:
        """Number of singlescale levels of the field's image."""
        image = self.image
        return sum(1 for c in image.children if c.type == "singlescale") if image else 0


@dataclass
class Well:
    """One well: its grid position, fields, acquisitions and outcome."""

    row: str
    column: str
    name: str
    anchor: str
    fields: list[Field] = field(default_factory=list)
    outcome: str = "ok"
    problems: list[str] = field(default_factory=list)

    @property
    def acquisitions(self) -> list[str]:
        """The distinct acquisition ids of the fields."""
        return sorted({f.acquisition for f in self.fields if f.acquisition is not None})

    @property
    def thumb(self):
        """The thumbnail of the first field that has one (rendered or placeholder)."""
        images = [f.image for f in self.fields]
        return next((i.thumb for i in images if i is not None and i.thumb is not None), None)


@dataclass
class PlateMap:
    """The grid of one plate."""

    name: str
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    wells: dict[tuple[str, str], Well]
    acquisitions: list[tuple[str, str]]

    def counts(self) -> dict[str, int]:
        """Wells per outcome, and fields."""
        out = dict.fromkeys(OUTCOMES, 0)
        for well in self.wells.values():
            out[well.outcome] += 1
        out["fields"] = sum(len(w.fields) for w in self.wells.values())
        return out


def _ref_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and "id" in value else None


def _named(items: Any) -> list[tuple[str, str]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "id" in item:
            out.append((str(item["id"]), str(item.get("name") or item["id"])))
    return out


def image_of(node: TreeNode) -> TreeNode | None:
    """The first multiscale at or below ``node`` (depth first)."""
    return next((n for n in node.walk() if n.image is not None), None)


def plate_map(node: TreeNode, problems: Sequence[tuple[str, str, str]] = ()) -> PlateMap:
    """The plate map of a plate collection ``node``; ``problems`` are
    ``(severity, where, message)`` with severity ``warning`` or ``failed``;
    ``where`` (a file, or a whole warning line) names a well when it contains
    the directory of one of its fields as a path component run."""
    plate = node.attributes.get("plate") or {}
    rows, columns = _named(plate.get("rows")), _named(plate.get("columns"))
    result = PlateMap(node.name, rows, columns, {}, _named(plate.get("acquisitions")))
    for child in node.children:
        ref = child.attributes.get("well")
        if not isinstance(ref, dict):
            continue
        row, column = _ref_id(ref.get("row")), _ref_id(ref.get("column"))
        if row is None or column is None:
            continue
        well = Well(row, column, child.name, child.anchor)
        names = dict(result.acquisitions)
        for f in child.children:
            acq = _ref_id(f.attributes.get("acquisition"))
            well.fields.append(Field(f.name, f.path, acq, f.directory, f, names.get(acq or "", acq)))
        patterns = [re.compile(r"(^|[/\s'\"])" + re.escape(f.directory) + r"([/:\s'\"]|$)")
                    for f in well.fields if f.directory]
        for severity, file, message in problems:
            if any(p.search(file) for p in patterns):
                well.problems.append(message)
                if severity == "failed" or well.outcome == "ok":
                    well.outcome = severity
        result.wells[(row, column)] = well
    return result
