"""RFC-8 ids: the production, sanitising and the deterministic allocator."""

from __future__ import annotations

import pytest

from ngff_migrate.rfc8 import ID_PATTERN, IdAllocator, is_valid_id, sanitize_id


@pytest.mark.parametrize("value", ["a", "A-1", "x_y.z", "0", "..", "-"])
def test_valid_ids(value: str) -> None:
    assert ID_PATTERN.match(value) and is_valid_id(value)


@pytest.mark.parametrize("value", ["", "a b", "a/b", "é", "a:b", "a\n", None, 7])
def test_invalid_ids(value: object) -> None:
    assert not is_valid_id(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A1", "A1"),
        ("raw image", "raw-image"),
        ("a/b:c", "a-b-c"),
        ("é", "-"),
        ("", "node"),
        ("0.5", "0.5"),
    ],
)
def test_sanitize_id(text: str, expected: str) -> None:
    assert sanitize_id(text) == expected
    assert is_valid_id(sanitize_id(text))


def test_sanitize_id_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        sanitize_id(5)  # type: ignore[arg-type]


def test_allocator_suffixes_duplicates_deterministically() -> None:
    def run() -> list[str]:
        ids = IdAllocator(reserved=["physical"])
        return [
            ids.allocate(p)
            for p in ["physical", "raw", "raw", "raw image", "raw-image", "", "raw-2"]
        ]

    first = run()
    assert first == ["physical-2", "raw", "raw-2", "raw-image", "raw-image-2", "node", "raw-2-2"]
    assert run() == first
    assert len(set(first)) == len(first)


def test_reserve() -> None:
    ids = IdAllocator()
    assert ids.reserve("s0") is True
    assert ids.reserve("s0") is False
    assert "s0" in ids and len(ids) == 1
    assert ids.allocate("s0") == "s0-2"
    with pytest.raises(ValueError):
        ids.reserve("not valid")
    with pytest.raises(ValueError):
        IdAllocator(reserved=[""])
