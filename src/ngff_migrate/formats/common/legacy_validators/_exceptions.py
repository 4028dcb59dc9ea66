"""The exceptions the generated validators raise (names as in fastjsonschema,
so its code generator can be used unchanged; no fastjsonschema at run time)."""

from __future__ import annotations

from typing import Any


class JsonSchemaValueException(ValueError):
    """One schema violation: ``message`` (starts with ``name``), the offending
    ``value``, its location ``name`` (``data.multiscales[0].axes``) and the
    keyword ``rule`` (``"type"``, ``"required"``, ...)."""

    def __init__(self, message: str, value: Any = None, name: str | None = None,
                 definition: Any = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.rule = rule


class JsonSchemaValuesException(ValueError):
    """Every violation of one document (``errors``, in document order)."""

    def __init__(self, errors: list[JsonSchemaValueException]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
