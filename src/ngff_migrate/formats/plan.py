"""The translation result: RFC-8 documents to write and arrays to carry over.

A :class:`MigrationPlan` is what ``translate/`` hands to ``write/`` and
``verify``; it is also what ``inspect`` shows. All paths are POSIX paths
relative to the dataset root (``""`` is the root itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..zarr.node import ZarrNode

Disposition = Literal["mapped", "carried", "preserved", "dropped"]


@dataclass
class KeyRecord:
    """Where one legacy metadata key went.

    ``disposition`` is ``mapped`` (an RFC-8 field now expresses it),
    ``carried`` (kept verbatim under the project prefix), ``preserved``
    (a non-OME attribute kept outside ``ome``) or ``dropped`` (only when the
    user asked).
    """

    file: str
    key: str
    disposition: Disposition
    target: str | None = None


@dataclass(frozen=True)
class EscapingPath:
    """A relative RFC-8 node ``path`` that leaves the dataset root (RFC-8 v1
    §Security): not followed when read; a copy refuses it, or rewrites it
    (``--allow-outside``) so that it names the same target from the
    destination (``formats/rfc8/escaping.py``).

    ``file`` is the document (root-relative), ``location`` the JSON location
    of the node's ``path`` (``ome.nodes[0].path``: a Path object or, in early
    drafts, a plain string) and ``target`` the path as written.
    """

    file: str
    location: str
    target: str


@dataclass
class DocumentPlan:
    """One ``zarr.json`` to write at ``rel``/zarr.json.

    ``replaces`` lists the legacy metadata files (relative paths) whose
    content this document takes over; they are left in place by an in-place
    migration and not copied by a copy migration.
    """

    rel: str
    node_type: Literal["group", "array"]
    document: dict[str, Any]
    replaces: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        """Relative path of the ``zarr.json`` file."""
        return f"{self.rel}/zarr.json" if self.rel else "zarr.json"

    @property
    def ome(self) -> dict[str, Any] | None:
        """The RFC-8 ``ome`` object of this document as JSON, if any (the
        plan holds it as a :class:`~ngff_migrate.rfc8.model.Document`)."""
        ome = self.document.get("attributes", {}).get("ome")
        return ome.to_json() if hasattr(ome, "to_json") else ome

    @property
    def has_ome(self) -> bool:
        """Whether this document holds an RFC-8 ``ome`` object (without serialising it)."""
        return bool(self.document.get("attributes", {}).get("ome"))

    @property
    def model(self) -> Any:
        """The RFC-8 :class:`~ngff_migrate.rfc8.model.Document` of this document, if any."""
        ome = self.document.get("attributes", {}).get("ome")
        return ome if hasattr(ome, "to_json") else None

    def json(self) -> dict[str, Any]:
        """The whole ``zarr.json`` document as JSON (what the writers write)."""
        ome = self.document.get("attributes", {}).get("ome")
        if not hasattr(ome, "to_json"):
            return self.document
        return {**self.document, "attributes": {**self.document["attributes"], "ome": ome.to_json()}}


@dataclass
class ArrayPlan:
    """One array of the dataset.

    ``source`` is the array as read; ``zarr_format`` of the source tells the
    writer whether a new ``zarr.json`` is part of the documents (v2) or the
    existing one is kept (v3). ``target`` is set when the array is
    re-encoded (``ngff_migrate.engine``): its chunks are then written anew,
    not copied.
    """

    rel: str
    source: ZarrNode
    notes: list[str] = field(default_factory=list)
    #: a re-encode's layout of this array (an :class:`ngff_migrate.engine.layout.ArrayLayout`),
    #: or ``None``: its chunk files are carried over byte for byte
    target: Any = None
    #: where the engine reads the pixels when the source is not a Zarr array at ``rel`` (a
    #: picklable descriptor with ``open()``, e.g. a TIFF level:
    #: :class:`ngff_migrate.formats.tiff.source.TiffLevelSource`); such an array always has a ``target``
    reader: Any = None


@dataclass
class MigrationPlan:
    """Everything a migration writes, in writing order.

    Attributes
    ----------
    root:
        The source dataset root.
    layout, version, zarr_format:
        What was detected.
    documents:
        Documents to write; group documents after the arrays they point to.
    arrays:
        Every array reachable from the RFC-8 tree.
    keys:
        Where every legacy key went (for the report).
    warnings:
        Problems that did not stop the migration.
    inputs:
        Every metadata document read while planning, by root-relative
        path, with its exact bytes (filled by :func:`ngff_migrate.plan`).
    """

    root: Path
    layout: str
    version: str | None
    zarr_format: int
    documents: list[DocumentPlan] = field(default_factory=list)
    arrays: list[ArrayPlan] = field(default_factory=list)
    keys: list[KeyRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: every metadata document the read stage read: root-relative POSIX path
    #: -> the exact bytes (the input the reverse map compares with)
    inputs: dict[str, bytes] = field(default_factory=dict)
    #: the prefix of carried legacy keys (``<prefix>:<key>``)
    prefix: str = "ngff-migrate"
    #: the root-relative file of the tree's entry document: ``zarr.json``, or
    #: a standalone RFC-8 ``*.json`` document given as the source
    entry: str = "zarr.json"
    #: levels a re-encode adds (``--levels``): group path -> the new level names
    added_levels: dict[str, list[str]] = field(default_factory=dict)
    #: the ``--levels`` a re-encode uses when none is given (a single-level TIFF: its default pyramid)
    default_levels: int | None = None
    #: the ``--shards`` a re-encode uses when none is given (TIFF input: ``"auto"``, docs/tiff.md)
    default_shards: str | None = None
    #: levels wanted in all for one multiscale document, by group path, whatever ``--levels`` says
    #: (a tile set's overview: its pyramid is always built)
    level_targets: dict[str, int] = field(default_factory=dict)
    #: whether the source's files are carried over (a copy of an OME-Zarr tree); ``False`` for
    #: sources that are not Zarr (TIFF files, tile sets): only documents, ``files`` and arrays are written
    copy_source: bool = True
    #: other files to write, by root-relative POSIX path -> their bytes (a TIFF's
    #: ``OME/METADATA.ome.xml``)
    files: dict[str, bytes] = field(default_factory=dict)
    #: source files the metadata names that are neither documents nor chunks (a bioformats2raw
    #: container's ``OME/METADATA.ome.xml``, its ``.zmetadata``), root-relative: a copy from a store
    #: that cannot be listed (HTTP) fetches these (write/copy_remote.py)
    source_files: list[str] = field(default_factory=list)
    #: what a tile set's translation found: positions, units, overlaps (the report's ``tiles``)
    tiles: dict[str, Any] | None = None
    #: relative RFC-8 paths of the input that leave its root (not followed; a copy must not write
    #: them unchanged: formats/rfc8/escaping.py)
    escaping_paths: list[EscapingPath] = field(default_factory=list)
    #: the escaping paths a copy rewrote: (document, JSON location) -> (the input's path, the new one)
    path_rewrites: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    #: the paths of ``arrays`` (kept by :meth:`add_array`)
    _array_rels: set[str] = field(default_factory=set, repr=False, compare=False)

    def add_array(self, entry: ArrayPlan) -> bool:
        """Append ``entry`` to :attr:`arrays` unless an array at its path is
        already planned (a field reached twice, a shared parameter array);
        returns whether it was added. Constant time, so planning a plate's
        thousands of arrays stays linear."""
        if len(self._array_rels) != len(self.arrays):  # appended directly: re-index
            self._array_rels = {a.rel for a in self.arrays}
        if entry.rel in self._array_rels:
            return False
        self._array_rels.add(entry.rel)
        self.arrays.append(entry)
        return True

    @property
    def root_document(self) -> DocumentPlan:
        """The document written at the dataset root."""
        return next(d for d in self.documents if d.rel == "")

    def add_group_document(self, rel: str, *, file: str, replaces: list[str],
                           ome: Any = None,
                           attributes: dict[str, Any] | None = None,
                           other_attributes: dict[str, Any] | None = None) -> DocumentPlan:
        """Plan the Zarr v3 group document at ``rel``.

        ``ome`` is the document's RFC-8 :class:`~ngff_migrate.rfc8.model.Document`,
        as the translators build it, or ``None`` for a plain group; the writer
        serialises it once (:meth:`~ngff_migrate.rfc8.model.Document.to_json`,
        the model's canonical field order), so the same input always gives
        the same bytes. JSON is not accepted here: the only documents that
        arrive as JSON are RFC-8 inputs, which
        :mod:`ngff_migrate.formats.rfc8.normalise` normalises and plans as
        :class:`DocumentPlan` objects itself. ``attributes`` are written as
        given (e.g. carried keys of a plain group); ``other_attributes`` are
        the group's non-OME attributes, kept outside ``ome`` and recorded as
        ``preserved`` against the legacy ``file``. ``replaces`` lists the
        legacy metadata files the document takes over.

        Raises
        ------
        TypeError
            If ``ome`` is neither ``None`` nor a :class:`~ngff_migrate.rfc8.model.Document`.
        """
        doc_attrs: dict[str, Any] = {}
        if ome is not None:
            from ..rfc8.model import Document

            if not isinstance(ome, Document):
                raise TypeError(f"add_group_document: ome must be an rfc8 Document, not {type(ome).__name__}")
            doc_attrs["ome"] = ome
        doc_attrs.update(attributes or {})
        where = f"{rel}/zarr.json attributes" if rel else "attributes"
        for key, value in (other_attributes or {}).items():
            doc_attrs[key] = value
            self.keys.append(KeyRecord(file, key, "preserved", f"{where}[{key!r}] (outside ome)"))
        doc = DocumentPlan(rel=rel, node_type="group", replaces=replaces,
                           document={"zarr_format": 3, "node_type": "group", "attributes": doc_attrs})
        self.documents.append(doc)
        return doc

    def order_documents(self) -> None:
        """Put array documents first, then group documents deepest first, so
        that an interrupted in-place run never leaves a document pointing at
        documents that were not written yet."""
        arrays = [d for d in self.documents if d.node_type == "array"]
        groups = [d for d in self.documents if d.node_type != "array"]
        groups.sort(key=lambda d: -(d.rel.count("/") + 1 if d.rel else 0))
        self.documents = arrays + groups

    def carried(self) -> list[KeyRecord]:
        """Records of keys carried under the project prefix."""
        return [k for k in self.keys if k.disposition == "carried"]
