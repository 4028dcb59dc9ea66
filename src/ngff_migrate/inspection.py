"""``inspect``: detect a dataset and translate it in memory (nothing is written);
re-exported by :mod:`ngff_migrate.api`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .formats.detect import Detection, detect
from .formats.ngff_image.translate import DEFAULT_PREFIX, DEFAULT_TARGET_VERSION
from .formats.plan import MigrationPlan
from .storage.location import open_location


@dataclass
class Inspection:
    """What ``inspect`` found: the detection and the RFC-8 documents a
    migration would write (``documents``: relative path → document)."""

    detection: Detection
    plan: MigrationPlan | None
    documents: dict[str, Any] = field(default_factory=dict)
    #: with re-encode options: the plan per array (``ReencodePlan.to_json()``)
    reencode: dict[str, Any] | None = None

    def to_html(self) -> str:
        """The self-contained HTML page of this inspection (``--html FILE``)."""
        from .report.html import to_html

        return to_html(self)

    def _repr_html_(self) -> str:
        from .report.html import notebook_html

        return notebook_html(self)


def inspect(path: str | Path, *, target_version: str = DEFAULT_TARGET_VERSION,
            prefix: str = DEFAULT_PREFIX, lenient: bool = True, allow_outside: bool = False,
            chunks: str | None = None, shards: str = "keep", shard_size: str | int | None = None,
            codec: str | None = None, portable: bool = False, levels: int | None = None,
            downsample: str | None = None, pixel_size: float | None = None, unit: str | None = None,
            positions: str | Path | None = None, position_unit: str | None = None,
            overview: bool = False, endpoint_url: str | None = None, anon: bool = False,
            storage_options: dict[str, Any] | None = None, max_requests: int | None = None,
            retries: int | None = None, missing_chunk_status: int | None = None) -> Inspection:
    """Detect ``path`` and translate it in memory (nothing is written).

    For an RFC-8 tree ``documents`` holds only what normalisation would
    change (empty for an up-to-date tree). With re-encode options (as for
    :func:`convert`), ``reencode`` holds the plan per array: chunk and shard
    shape, number of shards, decoded bytes per shard and why. ``path`` may be
    a remote URL, with ``endpoint_url``, ``anon``, ``storage_options``,
    ``max_requests``, ``retries`` and ``missing_chunk_status`` as for :func:`plan`. Raises like :func:`plan`, and :class:`UsageError` for
    bad re-encode options.
    """
    from .engine.options import reencode_options

    recode = reencode_options(chunks=chunks, shards=shards, shard_size=shard_size, codec=codec,
                              portable=portable, levels=levels, downsample=downsample)
    from .api import _source_defaults, dataset_root, plan
    from .storage.sandbox import sandboxed

    path = open_location(path, endpoint_url=endpoint_url, anon=anon, storage_options=storage_options,
                         max_requests=max_requests, retries=retries, missing_chunk_status=missing_chunk_status)
    with sandboxed(dataset_root(path), allow_outside=allow_outside):
        detection = detect(path)
    result = plan(path, target_version=target_version, prefix=prefix, lenient=lenient,
                  allow_outside=allow_outside, detection=detection, pixel_size=pixel_size, unit=unit,
                  positions=positions, position_unit=position_unit, overview=overview)
    reencoded = None
    recode = _source_defaults(result, recode if recode.active else None)
    if recode is not None:
        from .engine.plan import plan_reencode

        reencoded = plan_reencode(result, recode).to_json()
    return Inspection(detection, result, {d.file: d.json() for d in result.documents if d.ome}, reencoded)


__all__ = ["Inspection", "inspect"]
