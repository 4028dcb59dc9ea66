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
    """The human summary of a :class:`~ngff_migrate.report.Report`."""
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
    v = report.verification
    if v:
        table.add_row("verified", f"{v['mode']}: {len(v['documents'])} documents, {v['arrays_opened']} arrays "
                                  f"opened, {v['chunks_compared']}/{v['chunks_total']} chunks pixel-equal")
    t = report.timings
    table.add_row("time", ", ".join(f"{k} {v:.3f}s" for k, v in t.items()))
    return table


def print_warnings(console: Console, warnings: list[str]) -> None:
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)
