"""The reverse map of verification (DESIGN §6; ``docs/decisions.md``, "Reverse map").

After a migration has written its output, every legacy metadata document of
the input is rebuilt from the output re-read from storage and compared with
the exact bytes the read stage recorded (``MigrationPlan.inputs``). Each
input family has its own reverse map (``Layout.reverse``, e.g.
:func:`ngff_migrate.formats.ngff_image.reverse.reverse_map`); this module
runs the one of the plan's layout and turns a difference into an error.

It reads metadata documents only (never chunks), once each, so it costs the
same with every ``--verify`` mode and runs with all of them, ``none``
included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import VerificationError
from ..formats.common.reverse import describe
from ..storage.location import as_path


def check_reverse_map(plan, target_root: str | Path) -> dict[str, Any]:
    """Rebuild the legacy metadata of ``plan`` from the output at
    ``target_root`` and compare it with the input, with the reverse map
    registered for ``plan.layout`` (``formats.registry``).

    What is compared and what "equal" means is stated per family in its
    ``reverse`` module and in ``docs/decisions.md`` ("Reverse map").

    Returns
    -------
    dict
        The report's ``verification.reverse_map``: ``{"documents": N,
        "equal": True, "mismatches": [], "compared": [input files]}``.

    Raises
    ------
    VerificationError
        When a rebuilt document differs from its input, naming the first
        mismatching output file and the JSON location in it, the input
        document and location, and how many more mismatches there are; when
        an output document the reconstruction needs is missing or unreadable
        (naming it; never read as empty); or when the layout has no reverse
        map.
    """
    from ..formats.registry import layout

    root = as_path(target_root)
    try:
        steps = layout(plan.layout)
    except KeyError:
        steps = None
    if steps is None or steps.reverse is None:
        raise VerificationError(plan.root, f"no reverse map is registered for the layout {plan.layout!r}")
    result = steps.stage("reverse")(plan, root)
    if result["equal"]:
        return result
    first = result["mismatches"][0]
    rest = result.get("mismatches_total", len(result["mismatches"])) - 1
    more = f"; {rest} more mismatch{'es' if rest != 1 else ''}" if rest else ""
    raise VerificationError(root / first["file"],
                            f"the input {as_path(plan.root) / first['input']} rebuilt from the output differs "
                            f"(reverse map: {describe(first)}{more}) at {first['location']}")


__all__ = ["check_reverse_map"]
