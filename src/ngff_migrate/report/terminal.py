"""Terminal rendering (rich): RFC-8 node trees, detection and report summaries."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree


def _label(node: dict[str, Any]) -> str:
    kind = node.get("type", "?")
    ident = f" #{node['id']}" if node.get("id") else ""
    path = node.get("path")
    where = f" → {path.get('path')}" if isinstance(path, dict) else ""
    attrs = node.get("attributes") or {}
    extra = []
    if "labels" in attrs:
        extra.append("label image")
    ct = attrs.get("coordinateTransformations")
    if kind == "singlescale" and isinstance(ct, list) and ct:
        t = ct[0]
        scale = t.get("scale") or (t.get("transformations") or [{}])[0].get("scale")
        extra.append(f"scale {scale}")
    cs = attrs.get("coordinateSystems")
    if isinstance(cs, list) and cs:
        axes = [a.get("name") for a in cs[0].get("axes", []) if isinstance(a, dict)]
        extra.append(f"axes {''.join(map(str, axes))}")
    carried = [k for k in attrs if ":" in k]
    if carried:
        extra.append(f"carried {', '.join(carried)}")
    tail = f"  [dim]({escape('; '.join(extra))})[/dim]" if extra else ""
    return f"[bold]{escape(str(kind))}[/bold] {escape(str(node.get('name', '')))}{escape(ident)}{escape(where)}{tail}"


def node_tree(ome: dict[str, Any], title: str) -> Tree:
    """A rich tree of an RFC-8 node and its inline children."""
    tree = Tree(f"[cyan]{title}[/cyan]  version {ome.get('version')!r}")

    def add(parent: Tree, node: dict[str, Any]) -> None:
        branch = parent.add(_label(node))
        for child in node.get("nodes") or []:
            if isinstance(child, dict):
                add(branch, child)

    add(tree, ome)
    return tree


def summary_table(report: Any) -> Table:
    """The human summary of a :class:`~ngff_migrate.report.model.Report`."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("source", f"{report.source}  (NGFF {report.version}, Zarr v{report.zarr_format}, {report.layout})")
    if report.destination:
        table.add_row("destination", report.destination)
    table.add_row("mode", report.mode)
    c = report.counts()
    table.add_row("legacy keys", f"{c['mapped']} mapped, {c['carried']} carried, "
                                 f"{c['preserved']} preserved, {c['dropped']} dropped")
    w = report.write
    table.add_row("written", f"{w.documents_written} documents ({w.document_bytes} B); "
                             f"{w.files_copied} files copied, {w.files_linked} linked "
                             f"({w.bytes_copied / 1e6:.2f} MB)")
    r = getattr(report, "reencode", None)
    if r and (r.get("arrays") or r.get("new_levels")):
        ratio = r.get("compression_ratio")
        added = f" + {len(r['new_levels'])} new levels" if r.get("new_levels") else ""
        table.add_row("re-encoded", f"{len(r['arrays'])} arrays{added}, {r.get('units_written', 0)} write units written"
                                    + (f", {r['units_resumed']} resumed" if r.get("units_resumed") else "")
                                    + f"; {r.get('bytes_decoded', 0) / 1e6:.2f} MB decoded -> "
                                    f"{r.get('bytes_stored', 0) / 1e6:.2f} MB stored"
                                    + (f" (ratio {ratio})" if ratio else ""))
    v = report.verification
    if v:
        table.add_row("verified", f"{v['mode']}: {len(v['documents'])} documents, {v['arrays_opened']} arrays "
                                  f"opened, {v['chunks_compared']}/{v['chunks_total']} chunks pixel-equal")
    rm = (v or {}).get("reverse_map")
    if rm:
        table.add_row("reverse map", f"{rm.get('documents')} legacy documents rebuilt from the output, "
                                     f"{rm.get('equal')} equal to the input")
    t = report.timings
    tiles = getattr(report, "tiles", None)
    if tiles:
        fr = (tiles.get("overlaps") or {}).get("fraction") or {}
        over = f", overlap median {fr['median']:.1%}" if fr else ""
        view = f"; overview at 1/{tiles['overview']['factor']}" if tiles.get("overview") else ""
        table.add_row("tiles", f"{tiles.get('count')} placed by {tiles.get('positions')} "
                               f"({(tiles.get('overlaps') or {}).get('pairs', 0)} overlapping pairs{over}){view}")
    table.add_row("time", ", ".join(f"{k} {v:.3f}s" for k, v in t.items()))
    return table


def reencode_table(plan: dict[str, Any]) -> Table:
    """The per-array plan of a re-encode (``ReencodePlan.to_json()``): chunk,
    shard, number of shards, bytes per shard and why."""
    table = Table(title=f"re-encode plan: {len(plan['arrays'])} arrays, {plan['write_units']} write units, "
                        f"{plan['nbytes'] / 1e6:.1f} MB decoded", title_justify="left")
    for col in ("array", "shape", "chunks", "shards", "shards n", "MB per shard", "why"):
        table.add_column(col, justify="right" if col in ("shards n", "MB per shard") else "left")
    for rel, a in plan["arrays"].items():
        shards = "x".join(map(str, a["shards"])) if a["shards"] else "unsharded"
        per = f"{a['shard_bytes'] / 1e6:.2f}" if a["shard_bytes"] else "-"
        table.add_row(escape(rel or "."), "x".join(map(str, a["shape"])), "x".join(map(str, a["chunks"])),
                      shards, str(a["shard_count"]), per, escape("; ".join(a["reasons"])))
    if plan.get("kept"):
        table.caption = f"{len(plan['kept'])} arrays keep their chunk files byte for byte (--portable)"
    return table


def print_warnings(console: Console, warnings: list[str]) -> None:
    """Print each warning on its own line (markup escaped)."""
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


def plate_map(ome: dict[str, Any]) -> Table:
    """A plate map (rows × columns, fields per well) of an RFC-8 plate collection,
    followed by nothing else; acquisitions are listed in the caption."""
    plate = (ome.get("attributes") or {}).get("plate") or {}
    rows = [r.get("id") for r in plate.get("rows", [])]
    columns = [c.get("id") for c in plate.get("columns", [])]
    fields: dict[tuple[str, str], int] = {}
    for well in ome.get("nodes") or []:
        ref = (well.get("attributes") or {}).get("well") or {}
        key = ((ref.get("row") or {}).get("id"), (ref.get("column") or {}).get("id"))
        fields[key] = len(well.get("nodes") or [])
    acquisitions = plate.get("acquisitions") or []
    caption = f"{len(fields)} wells, {sum(fields.values())} fields"
    if acquisitions:
        caption += "; acquisitions: " + ", ".join(
            f"{a.get('id')}" + (f" ({a['name']})" if a.get("name") else "") for a in acquisitions)
    table = Table(title=f"plate {escape(str(ome.get('name')))}", caption=escape(caption))
    table.add_column("")
    for c in columns:
        table.add_column(escape(str(c)), justify="center")
    for r in rows:
        table.add_row(escape(str(r)), *[str(fields[(r, c)]) if (r, c) in fields else "·" for c in columns])
    return table


def series_table(ome: dict[str, Any], documents: dict[str, Any], prefix: str) -> Table:
    """The series of a bioformats2raw container, in series order."""
    table = Table(title=f"series of {escape(str(ome.get('name')))}")
    for col in ("series", "path", "image name", "type", "levels"):
        table.add_column(col)
    for node in ome.get("nodes") or []:
        path = (node.get("path") or {}).get("path", "")
        doc = documents.get(f"{path[2:]}/zarr.json", {}).get("attributes", {}).get("ome", {})
        levels = len(doc.get("nodes") or []) if doc.get("type") == "multiscale" else "-"
        table.add_row(str((node.get("attributes") or {}).get(f"{prefix}:series", "")), escape(path),
                      escape(str(doc.get("name", ""))), escape(str(node.get("type"))), str(levels))
    return table


def tiff_table(plan: Any) -> Table:
    """The images of a TIFF as a migration would write them: per level its
    path, axes and shape, data type, pixel size (scale and unit) and where
    it comes from (the file's level, or a level the engine builds)."""
    table = Table(title="series and levels")
    for col in ("image", "level", "axes", "shape", "dtype", "pixel size", "from"):
        table.add_column(col)
    arrays = {a.rel: a for a in plan.arrays}
    added = {f"{g}/{n}" if g else n for g, names in plan.added_levels.items() for n in names}
    for doc in plan.documents:
        ome = doc.ome
        if not isinstance(ome, dict) or ome.get("type") != "multiscale":
            continue
        axes = ((ome.get("attributes") or {}).get("coordinateSystems") or [{}])[0].get("axes") or []
        for level in ome.get("nodes") or []:
            rel = "/".join(p for p in (doc.rel, (level.get("path") or {}).get("path", "")[2:]) if p)
            array = arrays.get(rel)
            meta = next((d.document for d in plan.documents if d.rel == rel and d.node_type == "array"), {})
            shape = meta.get("shape")
            ct = ((level.get("attributes") or {}).get("coordinateTransformations") or [{}])[0]
            scale = ct.get("scale") or next((t.get("scale") for t in ct.get("transformations") or []
                                             if t.get("type") == "scale"), [])
            spatial = [(a, v) for a, v in zip(axes, scale, strict=False) if a.get("type") == "space"]
            units = {a.get("unit", "(no unit)") for a, _ in spatial}
            size = " x ".join(f"{v:.4g}" for _, v in spatial) + (f" {units.pop()}" if len(units) == 1 else "")
            source = getattr(array.reader, "describe", lambda: "")() if array is not None else ""
            table.add_row(escape(str(ome.get("name"))), escape(str(level.get("name"))),
                          "".join(a.get("name", "?") for a in axes),
                          "x".join(map(str, shape)) if shape else "", escape(str(meta.get("data_type", ""))),
                          escape(size), "built (--levels)" if rel in added else escape(source.rsplit("/", 1)[-1]))
    return table


def tiles_table(plan: Any) -> Table:
    """The tiles of a tile set: per tile its file, shape, its position in the
    scene (in the scene unit) and how many tiles it overlaps; the caption says
    where the positions came from and the overlap fractions."""
    tiles = plan.tiles or {}
    unit = tiles.get("scene_unit") or "pixels"
    table = Table(title=f"{tiles.get('count', 0)} tiles placed by {tiles.get('positions')} "
                        f"(positions in {tiles.get('position_unit') or 'no unit'}; scene in {unit})")
    for col in ("tile", "file", "shape", f"position ({unit})", "overlaps"):
        table.add_column(col)
    overlaps = tiles.get("overlaps") or {}
    count: dict[str, int] = {}
    for pair in overlaps.get("listed") or []:
        count[pair["a"]] = count.get(pair["a"], 0) + 1
        count[pair["b"]] = count.get(pair["b"], 0) + 1
    root = next((d.ome for d in plan.documents if d.rel == "" and d.ome), {}) or {}
    scene = (root.get("attributes") or {}).get("scene") or {}
    for t in scene.get("coordinateTransformations") or []:
        name = t.get("name", "").removesuffix(" to scene")
        rel = ((t.get("input") or {}).get("path") or {}).get("path", "")[2:]
        shape = next((d.document.get("shape") for d in plan.documents if d.rel == f"{rel}/0"), None)
        doc = next((d.ome for d in plan.documents if d.rel == rel and d.ome), {}) or {}
        file = ((doc.get("attributes") or {}).get(f"{plan.prefix}:tiff") or {}).get("file", "(overview)")
        table.add_row(escape(name), escape(str(file)), "x".join(map(str, shape or [])),
                      ", ".join(f"{v:.6g}" for v in t.get("translation") or []), str(count.get(name, "")))
    fr = overlaps.get("fraction") or {}
    table.caption = (f"{overlaps.get('pairs', 0)} overlapping pairs"
                     + (f"; overlap fraction min {fr['min']}, median {fr['median']}, max {fr['max']}" if fr else ""))
    return table


class progress_bars:
    """Rich progress bars on stderr for the stages a run announces through
    :class:`ngff_migrate.api.Progress` callbacks; silent when ``quiet`` or
    when stderr is not a terminal.

    ``kind`` is ``"bytes"`` (``convert``: copy bytes, verified arrays) or
    ``"datasets"`` (``plan``/``batch``: datasets, and a ``bytes`` stage
    counted in nominal bytes).
    """

    def __init__(self, kind: str, quiet: bool) -> None:
        self.kind = kind
        self.quiet = quiet

    def __enter__(self):
        import sys

        from rich.filesize import decimal
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.text import Text

        from ..api import Progress as Callbacks

        class Count(ProgressColumn):
            """``n/total datasets``, or ``x/y MB (nominal)`` for the bytes bar."""

            def render(self, task) -> Text:
                if task.fields.get("unit") == "bytes":
                    return Text(f"{decimal(int(task.completed))}/{decimal(int(task.total or 0))} (nominal)")
                return Text(f"{int(task.completed)}/{int(task.total or 0)} datasets")

        if self.quiet or not sys.stderr.isatty():
            return Callbacks()
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        if self.kind == "bytes":
            columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                       TimeRemainingColumn()]
        else:
            columns = [TextColumn("{task.description:>8}"), BarColumn(), Count(), TimeElapsedColumn(),
                       TimeRemainingColumn()]
        self.bar = Progress(*columns, console=console, transient=True)
        self.bar.start()
        tasks: dict[str, int] = {}

        def start(stage: str, total: int) -> None:
            tasks[stage] = self.bar.add_task(stage, total=total,
                                             unit="bytes" if stage == "bytes" else "datasets")

        def advance(stage: str, n: int) -> None:
            if stage in tasks:
                self.bar.advance(tasks[stage], n)

        return Callbacks(start=start, advance=advance)

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "bar"):
            self.bar.stop()
