"""The pixel engine: re-encode arrays (rechunk, shard, change codecs) in bounded memory.

Data flow (DESIGN §5, issue #9)::

    ReencodeOptions ──► plan_reencode(plan) ──► ArrayPlan.target (ArrayLayout)
      (options)           (layout: the per-level        │
                           shard planner)               ▼
                                          run: one task per write unit (a
                                          shard, or a block of chunks),
                                          each written whole by exactly one
                                          task, journaled for resume

* :mod:`.options`: the ``--chunks``/``--shards``/``--shard-size``/``--codec``
  grammar and :class:`~.options.ReencodeOptions`;
* :mod:`.codecs`: a codec spec as Zarr v3 codec metadata, and whether a
  source's codecs are core Zarr v3;
* :mod:`.layout`: the per-array chunk and shard planner and the target
  ``zarr.json``;
* :mod:`.plan`: applies the options to a :class:`~ngff_migrate.formats.plan.MigrationPlan`;
* :mod:`.run`: moves the pixels (dask), resumable at write-unit granularity
  (:mod:`.journal`).

Nothing here is imported by a metadata-only migration.
"""
