"""The re-encode section of a convert or inspect page: the plan per array (chunks,
shards, shard count, decoded bytes per shard, why) and, after a run, what was
written (units written and resumed, bytes decoded and stored, the ratio).

Its input is the report's ``reencode`` entry (``docs/reencode.md``, "The
report's reencode entry"), or an inspection's ``reencode`` plan.
"""

from __future__ import annotations

from typing import Any

from .page import human_bytes


def _shape(value: Any) -> str:
    return "×".join(map(str, value)) if isinstance(value, list | tuple) and value else "–"


def _options(options: Any) -> str:
    if not isinstance(options, dict):
        return "n/a"
    parts = [f"chunks {options.get('chunks') or 'as the source'}", f"shards {options.get('shards') or 'keep'}"]
    if options.get("shard_size") is not None:
        parts.append(f"shard size {human_bytes(options['shard_size'])}")
    parts.append(f"codec {options['codec']}" if options.get("codec") else
                 "codec not given (the source's where core Zarr v3, else the default: per array under why)")
    if options.get("portable"):
        parts.append("portable: only arrays whose codecs are not core Zarr v3")
    return ", ".join(parts)


def reencode_section(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    """The template context of the re-encode section, or ``None`` when nothing was
    (or would be) re-encoded. ``done`` is false for a plan that did not run."""
    if not isinstance(entry, dict):
        return None
    arrays = entry.get("arrays") if isinstance(entry.get("arrays"), dict) else {}
    rows = []
    for rel, a in arrays.items():
        a = a if isinstance(a, dict) else {}
        shards = a.get("shards")
        rows.append({"array": rel or ".", "shape": _shape(a.get("shape")), "chunks": _shape(a.get("chunks")),
                     "shards": _shape(shards) if shards else "unsharded",
                     "shard_count": a.get("shard_count"), "shard_bytes": a.get("shard_bytes"),
                     "shard_bytes_text": human_bytes(a["shard_bytes"]) if a.get("shard_bytes") else "–",
                     "write_units": a.get("write_units"), "reasons": [str(r) for r in a.get("reasons") or []]})
    plan = [("options", _options(entry.get("options"))),
            ("arrays re-encoded", str(len(rows))),
            ("write units", str(entry.get("write_units", "n/a"))),
            ("decoded bytes", human_bytes(entry.get("nbytes")))]
    kept = [str(k) for k in entry.get("kept") or []]
    if kept:
        plan.append(("kept byte for byte", f"{len(kept)} arrays (--portable): " + ", ".join(kept)))
    done = "units_written" in entry
    outcome = []
    if done:
        ratio = entry.get("compression_ratio")
        outcome = [
            ("units written", str(entry.get("units_written"))),
            ("units resumed", f"{entry.get('units_resumed', 0)} (finished by an interrupted run, skipped)"
             if entry.get("units_resumed") else "0"),
            ("bytes decoded", human_bytes(entry.get("bytes_decoded"))),
            ("bytes stored", human_bytes(entry.get("bytes_stored"))),
            ("compression ratio", f"{ratio:.2f} (decoded / stored)" if isinstance(ratio, int | float) else "n/a"),
            ("workers", str(entry.get("workers", "n/a"))),
            ("resumed", "yes: an interrupted run's output was continued" if entry.get("resumed") else "no")]
    return {"plan": plan, "rows": rows, "outcome": outcome, "done": done}
