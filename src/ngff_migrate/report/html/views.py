"""What each page shows: the template context of every result the project returns.

One function per result: :func:`report_page` (a convert report),
:func:`inspection_page`, :func:`validation_page`, :func:`plan_page` (an
archive's dry run), :func:`batch_page` and :func:`failure_page` (a convert
or batch that raised). Each returns the whole HTML page as a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...storage.location import as_path, display, is_remote
from .page import human_bytes, render, seconds
from .plate import plate_map
from .reencode import reencode_section
from .scene import scene_maps
from .thumbs import THUMB_PX
from .tree import MAX_THUMBNAILS, MAX_TREE_NODES, Tree, assign_legacy, build_tree, first_thumbnail

#: thumbnails on a batch page at most (one per migrated dataset)
BATCH_THUMBNAILS = 100


def _caps(tree: Tree | None) -> dict[str, Any]:
    return {"thumbnails": MAX_THUMBNAILS, "tree_nodes": MAX_TREE_NODES, "thumb_px": THUMB_PX,
            "rendered": tree.thumbnails if tree else 0, "skipped": tree.thumbnails_skipped if tree else 0,
            "truncated": tree.truncated if tree else 0, "batch_thumbnails": BATCH_THUMBNAILS}


def _problems(lines: Iterable[str], severity: str) -> list[tuple[str, str, str]]:
    return [(severity, line, line) for line in lines]


def _plates(tree: Tree | None, problems: list[tuple[str, str, str]]) -> list[Any]:
    if tree is None or tree.root is None:
        return []
    return [plate_map(n, problems) for n in tree.nodes() if isinstance(n.attributes.get("plate"), dict)]


def _key_counts(keys: list[Any]) -> dict[str, int]:
    out = {"mapped": 0, "carried": 0, "preserved": 0, "dropped": 0}
    for k in keys:
        out[k.disposition] = out.get(k.disposition, 0) + 1
    return out


def _verification_rows(v: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not v:
        return []
    rows = [("mode", str(v.get("mode"))),
            ("documents re-read", f"{len(v.get('documents') or [])}: " + ", ".join(v.get("documents") or [])),
            ("arrays opened", str(v.get("arrays_opened"))),
            ("arrays compared", str(v.get("arrays_compared"))),
            ("chunks compared", f"{v.get('chunks_compared')} of {v.get('chunks_total')} pixel-equal")]
    if v.get("missing_chunks"):
        rows.append(("missing chunks", ", ".join(map(str, v["missing_chunks"]))))
    rm = v.get("reverse_map")
    if isinstance(rm, dict):
        verdict = "equal to the input" if rm.get("equal") else "DIFFERENT from the input"
        rows.append(("reverse map", f"{rm.get('documents')} legacy documents rebuilt from the output, {verdict}"))
        if rm.get("compared"):
            rows.append(("reverse map compared", ", ".join(map(str, rm["compared"]))))
        for m in rm.get("mismatches") or []:
            rows.append(("reverse map mismatch", str(m)))
    return rows


def report_page(report: Any) -> str:
    """The page of a convert :class:`~ngff_migrate.report.model.Report` (done or failed)."""
    from ...api import dataset_root

    tree = None
    if report.status == "done":
        out = Path(report.destination) if report.destination else dataset_root(report.source)
        tree = build_tree(out, report.entry)
        assign_legacy(tree, report.keys)
    summary = [("source", report.source), ("detected", f"{report.layout or '?'} {report.version or ''}, "
                                                      f"Zarr v{report.zarr_format or '?'}"),
               ("destination", report.destination or "(in place)"), ("mode", report.mode),
               ("target version", str(report.target_version)), ("arrays", str(report.arrays))]
    w = report.write
    summary.append(("written", f"{w.documents_written} documents ({human_bytes(w.document_bytes)}); "
                               f"{w.files_copied} files copied, {w.files_linked} linked "
                               f"({human_bytes(w.bytes_copied)}); {w.backups} backups"))
    summary.append(("time", ", ".join(f"{k} {seconds(v)}" for k, v in report.timings.items()) or "n/a"))
    problems = _problems(report.warnings, "warning")
    return render("dataset.html.j2", kind="convert report", title=f"convert {Path(report.source).name}",
                  status=report.status, error=report.error, summary=summary, tree=tree,
                  plates=_plates(tree, problems), keys=report.keys, key_counts=_key_counts(report.keys),
                  verification=_verification_rows(report.verification), violations=None,
                  warnings=report.warnings, caps=_caps(tree), scenes=scene_maps(tree),
                  reencode=reencode_section(report.reencode))


def inspection_page(inspection: Any) -> str:
    """The page of an :class:`~ngff_migrate.api.Inspection`: what a migration would write."""
    d, plan = inspection.detection, inspection.plan
    tree = None
    if plan is not None:
        tree = build_tree(plan.root, plan.entry, memory=inspection.documents)
        assign_legacy(tree, plan.keys)
    keys = plan.keys if plan is not None else []
    warnings = plan.warnings if plan is not None else []
    summary = [("dataset", display(d.path)), ("detected", f"{d.layout} {d.version or ''}, Zarr v{d.zarr_format}"),
               ("why", d.reason), ("documents it would write", str(len(inspection.documents))),
               ("arrays", str(len(plan.arrays)) if plan is not None else "n/a"),
               ("note", "nothing was written; thumbnails are read from the source arrays")]
    return render("dataset.html.j2", kind="inspection", title=f"inspect {Path(str(d.path)).name}",
                  status="planned", error=None, summary=summary, tree=tree,
                  plates=_plates(tree, _problems(warnings, "warning")), keys=keys, key_counts=_key_counts(keys),
                  verification=[], violations=None, warnings=warnings, caps=_caps(tree), scenes=scene_maps(tree),
                  reencode=reencode_section(getattr(inspection, "reencode", None)))


def validation_page(result: Any) -> str:
    """The page of a :class:`~ngff_migrate.verify.tree.TreeValidation`."""
    root = as_path(result.root)
    entry = "zarr.json"
    if (root.suffix.lower() == ".json") if is_remote(root) else root.is_file():
        root, entry = root.parent, root.name
    tree = build_tree(root, entry)
    problems = [("failed", v.file, v.one_line()) for v in result.violations] + _problems(result.warnings, "warning")
    summary = [("tree", display(result.root)), ("documents checked", str(len(result.documents))),
               ("arrays checked", str(len(result.arrays))), ("violations", str(len(result.violations))),
               ("warnings", str(len(result.warnings)))]
    return render("dataset.html.j2", kind="validation", title=f"validate {Path(str(result.root)).name}",
                  status="valid" if result.ok else "invalid", error=None, summary=summary, tree=tree,
                  plates=_plates(tree, problems), keys=None, key_counts={}, verification=[],
                  violations=result.violations, warnings=result.warnings, caps=_caps(tree), scenes=scene_maps(tree))


def failure_page(command: str, source: Any, destination: Any, error: str) -> str:
    """The page of a ``convert`` or ``batch`` that failed as a whole (``error``: its one line)."""
    summary = [("source", str(source)), ("destination", "(in place)" if destination is None else str(destination))]
    return render("dataset.html.j2", kind=f"{command} report", title=f"{command} {Path(str(source)).name}",
                  status="failed", error=error, summary=summary, tree=None, plates=[], keys=None, key_counts={},
                  verification=[], violations=None, warnings=[], caps=_caps(None))


def _cell(value: Any, sort: Any = None) -> dict[str, Any]:
    text = "" if value is None else str(value)
    if sort is None:
        sort = value if isinstance(value, int | float) and not isinstance(value, bool) else text.lower()
    return {"text": text, "sort": sort, "num": isinstance(sort, int | float) and not isinstance(sort, bool)}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", text.lower())


def plan_page(plan: Any) -> str:
    """The page of a :class:`~ngff_migrate.batch.planner.TreePlan`: what a batch would do."""
    t = plan.totals()
    columns = [("dataset", False), ("layout", False), ("version", False), ("outcome", False), ("arrays", True),
               ("bytes (nominal)", True), ("metadata-only", False), ("why not / error", False),
               ("est. s in place", True), ("est. s copy", True)]
    rows = []
    for d in plan.datasets:
        outcome = "failed" if d.error else "plannable"
        only = "n/a" if d.metadata_only is None else ("yes" if d.metadata_only else "no")
        why = f"{d.error_file or ''}: {d.error}" if d.error else "; ".join(d.reasons)
        rows.append({"outcome": outcome, "cells": [
            _cell(d.rel), _cell(d.layout or "?"), _cell(d.version or "?"), _cell(outcome), _cell(d.arrays),
            _cell(human_bytes(d.nominal_bytes), d.nominal_bytes), _cell(only), _cell(why),
            _cell("n/a", -1) if d.layout and d.layout.startswith("tiff") else
            _cell(f"{d.est_seconds_in_place:.2f}", d.est_seconds_in_place),
            _cell(f"{d.est_seconds_copy:.2f}", d.est_seconds_copy)], "thumb": None})
    failures = [{"path": d.rel, "outcome": "failed", "file": d.error_file, "reason": d.error}
                for d in plan.datasets if d.error]
    summary = [("root", plan.root), ("datasets", str(t["datasets"])), ("cannot be migrated", str(t["failed"])),
               ("metadata-only", str(t["metadata_only"])), ("arrays", str(t["arrays"])),
               ("bytes (nominal)", human_bytes(t["nominal_bytes"]) + " (shape x item size: decoded, not on disk)"),
               ("estimated time", f"{t['est_seconds_in_place']:.1f} s in place, {t['est_seconds_copy']:.1f} s "
                                  "as a copy (one worker)"),
               ("survey took", seconds(plan.seconds))]
    outcomes: dict[str, int] = {}
    for r in rows:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    counts = {"layout": t["by_layout"], "version": t["by_version"], "outcome": dict(sorted(outcomes.items()))}
    return render("archive.html.j2", kind="plan", title=f"plan {Path(plan.root).name}",
                  status="failed" if t["failed"] else "plannable", summary=summary, counts=counts,
                  columns=columns, rows=rows, failures=failures, caps=_caps(None), slug=_slug, thumbnails=False)


def batch_page(report: Any) -> str:
    """The page of a :class:`~ngff_migrate.batch.batch_report.BatchReport`."""
    counts, totals = report.counts(), report.totals()
    columns = [("dataset", False), ("thumbnail", True), ("layout", False), ("version", False), ("outcome", False),
               ("arrays", True), ("bytes (nominal)", True), ("files written", True), ("bytes written", True),
               ("seconds", True), ("warnings", True), ("error", False)]
    rows, shown = [], 0
    for d in report.datasets:
        thumb = None
        if d.outcome in ("migrated", "adopted", "done-earlier") and shown < BATCH_THUMBNAILS:
            where = Path(report.destination or report.root) / (getattr(d, "output", None) or d.path)
            thumb = first_thumbnail(where)
            shown += thumb is not None
        error = f"{d.error_file or d.path}: {d.error}" if d.error else ""
        rows.append({"outcome": d.outcome, "thumb": thumb, "cells": [
            _cell(d.path), _cell(d.layout or "?"), _cell(d.version or "?"), _cell(d.outcome), _cell(d.arrays),
            _cell(human_bytes(d.nominal_bytes), d.nominal_bytes or 0), _cell(d.files_written),
            _cell(human_bytes(d.bytes_written), d.bytes_written), _cell(f"{d.seconds:.2f}", d.seconds),
            _cell(d.warnings), _cell(error)]})
    rate = totals["datasets_per_second"]
    summary = [("root", report.root), ("destination", report.destination or "(in place)"),
               ("mode", f"{report.mode} on {report.pool}"), ("run", report.run_id), ("journal", report.state_dir),
               ("written", f"{totals['files_written']} files, {human_bytes(totals['bytes_written'])}"),
               ("throughput", f"{totals['wall_seconds']:.1f} s wall" + (
                   f", {rate:.2f} datasets/s, {totals['nominal_megabytes_per_second']:.1f} MB/s nominal"
                   if rate else "")),
               ("peak memory", f"coordinator {human_bytes(report.coordinator_peak_rss_bytes)}, largest worker "
                               f"{human_bytes(report.workers_peak_rss_bytes)}")]
    if report.interrupted:
        summary.append(("interrupted", "yes: run the same command again to finish the work"))
    if report.journal_error:
        summary.append(("journal error", report.journal_error))
    return render("archive.html.j2", kind="batch report", title=f"batch {Path(report.root).name}",
                  status="done" if report.ok else "failed", summary=summary,
                  counts={k: counts[k] for k in ("outcome", "layout", "version")}, columns=columns, rows=rows,
                  failures=report.failures(), caps=_caps(None), slug=_slug, thumbnails=True)
