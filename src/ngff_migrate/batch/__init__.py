"""Archive-scale batch migration (``ngff-migrate plan`` / ``batch`` / ``rollback``).

* :func:`plan_tree` — find and survey every dataset under a root (OME-Zarr
  datasets, TIFF files, multi-file OME-TIFF sets, tile-set folders); writes nothing.
* :func:`run_batch` — migrate them all, in parallel (local processes or a
  dask.distributed cluster), journaled, resumable after a crash.
* :func:`rollback_batch` — undo a whole in-place batch.
* :func:`undo_prefix` — roll back (or finalize) every in-place migration below an
  ``s3://`` prefix; ``plan_tree`` and ``run_batch`` take an ``s3://`` prefix too
  (``docs/batch.md``, "Over S3").

See ``docs/batch.md`` for the state directory, the journal, locking and
recovery.
"""

from .batch_report import BatchReport, DatasetResult
from .planner import DatasetSurvey, TreePlan, plan_tree, survey_dataset
from .remote import undo_prefix
from .rollback import RollbackResult, rollback_batch
from .runner import run_batch
from .walk import Found, find_datasets

__all__ = [
    "BatchReport", "DatasetResult", "DatasetSurvey", "Found", "RollbackResult", "TreePlan",
    "find_datasets", "plan_tree", "rollback_batch", "run_batch", "survey_dataset", "undo_prefix",
]
