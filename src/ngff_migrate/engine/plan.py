"""Apply re-encode options to a migration plan (issue #9).

Every array of the plan gets a layout (:class:`~.layout.ArrayLayout`) in
:attr:`ArrayPlan.target <ngff_migrate.formats.plan.ArrayPlan.target>`, and
its planned ``zarr.json`` becomes the re-encoded document; the RFC-8
documents of the groups are unchanged (a re-encode changes how pixels are
stored, not what they mean). With ``--portable`` only the arrays whose
codecs are not core Zarr v3 are re-encoded; the others keep their chunk
files byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formats.common.paths import join
from ..formats.plan import ArrayPlan, DocumentPlan, MigrationPlan
from .codecs import is_core
from .options import ReencodeOptions


@dataclass
class ReencodePlan:
    """What a re-encode will do: the arrays re-encoded (by root-relative
    path), those kept byte for byte, and the totals (decoded bytes)."""

    options: ReencodeOptions
    arrays: list[ArrayPlan] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    #: the levels to build (``--levels``), in building order (``engine.levels.NewLevel``)
    levels: list[Any] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        """Decoded bytes of every re-encoded array and new level."""
        return sum(a.target.nbytes for a in self.arrays) + sum(n.target.nbytes for n in self.levels)

    @property
    def units(self) -> int:
        """Write units (shards or chunk blocks) of every re-encoded array and new level."""
        return sum(a.target.unit_count for a in self.arrays) + sum(n.target.unit_count for n in self.levels)

    def layouts(self) -> dict[str, Any]:
        """Array path -> the layout written there (re-encoded arrays and new levels)."""
        return {**{a.rel: a.target for a in self.arrays}, **{n.rel: n.target for n in self.levels}}

    def to_json(self) -> dict[str, Any]:
        """The plan per array (``inspect --json``, ``plan --json``)."""
        out = {"options": self.options.fingerprint(), "nbytes": self.nbytes, "write_units": self.units,
               "arrays": {a.rel: a.target.summary() for a in self.arrays}, "kept": list(self.kept)}
        if self.levels:
            out["new_levels"] = {n.rel: {**n.target.summary(), "from": n.previous, "factors": list(n.factors),
                                         "downsample": n.method} for n in self.levels}
        return out


def source_document(plan: MigrationPlan, array: ArrayPlan) -> tuple[dict[str, Any], DocumentPlan | None]:
    """The Zarr v3 document the array has in a metadata-only migration (the
    planned one for a Zarr v2 array, its own ``zarr.json`` for a v3 array)
    and its planned :class:`DocumentPlan`, if any."""
    file = join(array.rel, "zarr.json")
    if getattr(array, "reader", None) is not None:  # not a Zarr array: its metadata describes the source as read
        return array.source.metadata, next((d for d in plan.documents if d.file == file), None)
    planned = next((d for d in plan.documents if d.file == file and d.node_type == "array"), None)
    if planned is not None:
        return planned.document, planned
    return array.source.metadata, None


def plan_reencode(plan: MigrationPlan, options: ReencodeOptions) -> ReencodePlan:
    """Set the re-encoded layout of every array of ``plan`` (in place) and
    return the summary. Arrays reached twice are planned once.

    Raises
    ------
    UsageError
        For options that do not fit an array (see :func:`~.layout.plan_layout`).
    UnsupportedError
        For an array whose data type cannot be re-encoded.
    """
    from .layout import plan_layout

    result = ReencodePlan(options=options)
    given = dict(options.chunks.named) if options.chunks and options.chunks.named else {}
    seen_axes: set[str] = set()
    outputs: dict[str, dict[str, Any]] = {}
    for array in plan.arrays:
        doc, planned = source_document(plan, array)
        outputs[array.rel] = doc
        seen_axes.update(n for n in doc.get("dimension_names") or [] if n)
        if array.reader is not None and not options.rewrites_existing:
            result.arrays.append(array)  # a non-Zarr source is always written, in its planned layout
            outputs[array.rel] = array.target.document
            continue
        if array.reader is None and (not options.rewrites_existing or (options.portable and is_core(doc)[0])):
            result.kept.append(array.rel)
            continue
        array.target = plan_layout(doc, options, array=array.rel)
        if planned is not None:
            planned.document = array.target.document
        else:
            plan.documents.append(DocumentPlan(rel=array.rel, node_type="array", document=array.target.document,
                                               replaces=[join(array.rel, "zarr.json")]))
        result.arrays.append(array)
        outputs[array.rel] = array.target.document
    if options.levels or plan.level_targets:
        from .levels import plan_levels

        result.levels = plan_levels(plan, options, outputs)
    unknown = sorted(set(given) - seen_axes)
    if unknown and plan.arrays:
        plan.warnings.append(f"--chunks names axes no array has: {', '.join(unknown)} (ignored; the arrays' "
                             f"axes are {', '.join(sorted(seen_axes)) or 'unnamed'})")
    plan.order_documents()
    return result


__all__ = ["ReencodePlan", "plan_reencode", "source_document"]
