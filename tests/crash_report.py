"""Readable summaries of ``crash_harness.py`` results (used by the tests'
failure messages; also ``python tests/crash_report.py RESULT.json ...``)."""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

_TMPNAME = re.compile(r"\.[A-Za-z0-9_]{8}\.tmp\b")
_PID = re.compile(r"(ngff-migrate-(?:partial|old))-\d+")
_ABS = re.compile(r"/\S*?/(?:w\d+|count)/[ab]?/?(?=(?:src|out)/)")


def normalise(text: str) -> str:
    """Without work-directory prefixes, mkstemp names and pids."""
    text = _ABS.sub("", text)
    text = _TMPNAME.sub(".*.tmp", text)
    return _PID.sub(r"\1-*", text)


def _kind(path: str) -> str:
    """``.ngff-migrate/...`` for anything in the journal directory, else the name."""
    if path == ".ngff-migrate" or path.startswith(".ngff-migrate/"):
        return ".ngff-migrate/..."
    return path.rsplit("/", 1)[-1]


def problem_kind(problem: str) -> str:
    """A problem with its file lists reduced to the distinct kinds of names
    (so that the same fault at different N groups together)."""
    text = normalise(problem)

    def names(match: re.Match) -> str:
        items = [i.strip() for i in re.split(r",\s*", match.group(2)) if i.strip() and not i.startswith("...")]
        kinds = sorted({_kind(i) for i in items})
        if len(kinds) > 4:
            kinds = kinds[:4] + ["..."]
        return f"{match.group(1)}: {{{', '.join(kinds)}}}"

    text = re.sub(r"(extra|missing|changed): ([^;]+)", names, text)
    text = re.sub(r"\(\d+ in all\)", "", text)
    return text


def summary(result: dict, *, limit: int = 40) -> str:
    """Failing N grouped by kind of problem, then one line per failing N."""
    cases = result.get("cases", [])
    failed = [c for c in cases if c.get("problems")]
    head = (f"{result.get('scenario')} on {Path(result.get('src', '?')).name} (verify {result.get('verify')}): "
            f"T = {result.get('total')} events, {len(cases)} crash points run, {len(failed)} fail")
    lines = [head]
    for err in result.get("errors", []):
        lines.append(f"  harness: {err}")
    if result.get("import_failures"):
        lines.append(f"  modules that did not import in the harness: {result['import_failures']}")
    groups: dict[str, list[int]] = defaultdict(list)
    for c in failed:
        for kind in dict.fromkeys(problem_kind(p) for p in c["problems"]):
            groups[kind].append(c["n"])
    if groups:
        lines.append("  by kind of problem:")
        for kind, ns in sorted(groups.items(), key=lambda kv: (kv[1][0], kv[0])):
            lines.append(f"    N = {_ranges(ns)}: {kind}")
        lines.append("  per crash point (killed just before event N):")
        for c in failed[:limit]:
            event = normalise(c.get("event") or c.get("counted_event") or "?")
            lines.append(f"    N={c['n']} [{event}]:")
            for p in c["problems"]:
                lines.append(f"        {normalise(p)}")
        if len(failed) > limit:
            lines.append(f"    ... {len(failed) - limit} more failing N (see the JSON result)")
    mismatched = [c["n"] for c in cases if c.get("event_mismatch") or c.get("event_b")]
    if mismatched:
        lines.append(f"  note: event N differed from the counting run at N = {_ranges(mismatched)} "
                     "(the command's call sequence is not deterministic)")
    return "\n".join(lines)


def _ranges(ns: list[int]) -> str:
    ns = sorted(set(ns))
    out, start, prev = [], None, None
    for n in ns + [None]:
        if start is None:
            start = prev = n
        elif n is not None and n == prev + 1:
            prev = n
        else:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = n
    return ", ".join(out)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(summary(json.loads(Path(arg).read_text()), limit=int(1e9) if "-v" in sys.argv else 40))
        print()
