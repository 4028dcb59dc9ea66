"""Robust remote I/O (issue #11 item 4; docs/storage.md, "Robust remote I/O").

Real servers on loopback, no mocks: moto's S3 server (the ``s3`` fixture) and ``http.server``
(the ``web`` fixture of tests/test_remote_read.py), each behind :class:`flaky_proxy.FlakyProxy`,
which answers every Nth request of each kind with ``503 SlowDown``, ``500`` or a dropped
connection, fails everything, or answers ``403`` for absent keys. Every migration through it must
end valid (the repo's ``validate``) and pixel-equal to its input; a store that fails every request
gives one clean error naming the object and the attempts, and no output that looks complete.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr
from flaky_proxy import FlakyProxy
from test_remote_read import web  # noqa: F401  (the HTTP server fixture)
from typer.testing import CliRunner

import ngff_migrate
from ngff_migrate.cli import app
from ngff_migrate.errors import MigrateError, UsageError

REPO = Path(__file__).resolve().parent.parent
V04 = REPO / "sample_data" / "image_v04.ome.zarr"
ARRAYS_V04 = ["s0", "s1", "s2", "labels/cells/s0", "labels/cells/s1", "labels/cells/s2", "labels/cells/s3",
              "labels/cells/s4"]
runner = CliRunner()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Path:
    """A small NGFF 0.4 image (one 2x24x20 uint16 array, 8 chunks, one of them absent: it is all
    fill value), so that the quick tests stay quick."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.ome.zarr"
    group = zarr.open_group(str(path), mode="w", zarr_format=2)
    data = (np.arange(2 * 24 * 20, dtype="uint16").reshape(2, 24, 20) % 1000) + 1
    data[1, 16:, 16:] = 0  # the chunk (1, 1, 1) equals the fill value: not written
    group.create_array("0", shape=data.shape, chunks=(1, 16, 16), dtype="uint16", fill_value=0)[...] = data
    group.attrs["multiscales"] = [{
        "version": "0.4", "name": "tiny",
        "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space", "unit": "micrometer"},
                 {"name": "x", "type": "space", "unit": "micrometer"}],
        "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 0.5, 0.5]}]}]}]
    assert not (path / "0" / "1.1.1").exists() and (path / "0" / "0.0.0").exists()
    return path


def _flaky(upstream: str, **kw) -> FlakyProxy:
    return FlakyProxy(upstream.removeprefix("http://"), **kw)


def _pixels(root, rels: list[str], **options) -> dict[str, np.ndarray]:
    """Every array ``rels`` below ``root`` (a local directory or an ``s3://`` URL) decoded."""
    out = {}
    for rel in rels:
        if isinstance(root, Path):
            out[rel] = zarr.open_array(str(root / rel), mode="r")[...]
        else:
            from zarr.storage import FsspecStore

            store = FsspecStore.from_url(f"{root}/{rel}", storage_options=options, read_only=True)
            out[rel] = zarr.open_array(store, mode="r")[...]
    return out


def _assert_pixel_equal(out, src: Path = V04, rels: list[str] = ARRAYS_V04, **options) -> None:
    want, got = _pixels(src, rels), _pixels(out, rels, **options)
    for rel in rels:
        assert want[rel].shape == got[rel].shape and np.array_equal(want[rel], got[rel]), rel


def _listing(fs, url: str) -> dict[str, tuple[int, str]]:
    prefix = url.removeprefix("s3://").rstrip("/")
    fs.invalidate_cache()
    return {key[len(prefix) + 1:]: (info["size"], hashlib.sha256(fs.cat_file(key)).hexdigest())
            for key, info in fs.find(prefix, detail=True).items()}


def _s3_options(endpoint: str) -> dict:
    from s3_server import ACCESS, SECRET

    return {"key": ACCESS, "secret": SECRET, "client_kwargs": {"endpoint_url": endpoint}}


# --------------------------------------------------------------------------- quick checks


def test_options_are_checked_before_any_request(tmp_path):
    with pytest.raises(UsageError, match="403"):
        ngff_migrate.convert("s3://b/x.zarr", tmp_path / "o", missing_chunk_status=500)
    with pytest.raises(UsageError, match="--max-requests"):
        ngff_migrate.inspect("s3://b/x.zarr", max_requests=0)
    with pytest.raises(UsageError, match="--retries"):
        ngff_migrate.validate("http://127.0.0.1:9/x.zarr", retries=-1)
    result = runner.invoke(app, ["inspect", "s3://b/x.zarr", "--missing-chunk-status", "500"])
    assert result.exit_code == 2 and "403" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["rollback", "s3://b/x.zarr", "--max-requests", "0"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_s3_to_local_through_faults_is_valid_and_pixel_equal(s3, tiny, tmp_path):
    """503 SlowDown, 500 and dropped connections on GET, LIST and HEAD are retried; at most
    --max-requests requests are in flight; the report counts every attempt."""
    endpoint, put = s3
    url = put(tiny, "flaky/tiny.zarr")
    proxy = _flaky(endpoint, every=3)  # the first request of each kind, then every 3rd
    try:
        out = tmp_path / "out.zarr"
        report = ngff_migrate.convert(url, out, endpoint_url=proxy.endpoint, max_requests=2)
        assert report.status == "done" and report.write.files_copied == 7
        assert ngff_migrate.validate(out).ok
        _assert_pixel_equal(out, src=tiny, rels=["0"])
        assert not (out / "0" / "1.1.1").exists()  # absent stays absent
        injected = proxy.injected()
        assert injected["GET"] == {"slowdown", "500", "drop"}, injected
        assert {"LIST", "HEAD"} <= set(injected), injected
        assert 1 < proxy.max_in_flight <= 2
        # a retry is a request; aiohttp resends a request whose kept-alive connection was dropped
        # once by itself, below botocore (which counts): at most one uncounted request per drop
        drops = sum(1 for _, fault, _ in proxy.faults if fault == "drop")
        assert len(proxy.log) - drops <= report.storage["requests_total"] <= len(proxy.log)
    finally:
        proxy.close()


@pytest.mark.slow
def test_s3_to_local_of_an_image_with_labels_through_faults(s3, tmp_path):
    endpoint, put = s3
    url = put(V04, "flaky/v04.zarr")
    proxy = _flaky(endpoint, every=5)
    try:
        out = tmp_path / "out.zarr"
        report = ngff_migrate.convert(url, out, endpoint_url=proxy.endpoint, max_requests=3)
        assert report.status == "done" and report.write.files_copied >= 40
        assert proxy.injected()["GET"] == {"slowdown", "500", "drop"} and proxy.max_in_flight <= 3
    finally:
        proxy.close()
    assert ngff_migrate.validate(out).ok
    _assert_pixel_equal(out)


def test_http_to_local_through_faults_counts_requests(web, tiny, tmp_path):  # noqa: F811
    """HTTP: GET and HEAD retried on 503, 500 and dropped connections (404 never: the absent chunk
    stays absent); the report counts GET and HEAD and the bytes read, as for S3."""
    base, www = web
    if not (www / "tiny.ome.zarr").exists():
        shutil.copytree(tiny, www / "tiny.ome.zarr")
    proxy = _flaky(base, every=3)
    try:
        out = tmp_path / "out.zarr"
        report = ngff_migrate.convert(f"{proxy.endpoint}/tiny.ome.zarr", out, max_requests=2)
        assert report.status == "done" and report.write.objects_absent == 1
        assert ngff_migrate.validate(out).ok
        _assert_pixel_equal(out, src=tiny, rels=["0"])
        assert proxy.injected()["GET"] == {"slowdown", "500", "drop"}
        storage = report.storage
        assert storage["requests_total"] == len(proxy.log) and set(storage["requests"]) <= {"GET", "HEAD"}
        assert storage["requests"]["GET"] == sum(1 for m, _ in proxy.log if m == "GET")
        assert storage["bytes_read"] >= report.write.bytes_copied > 0
        assert proxy.max_in_flight <= 2
    finally:
        proxy.close()


def test_404_is_never_retried_and_403_only_with_the_option(s3, web, tiny):  # noqa: F811
    """One request for an absent object (S3, HTTP), also with retries; a 403 is an error, or with
    missing_chunk_status=403 "absent" after one request."""
    from ngff_migrate.storage.location import open_location
    from ngff_migrate.storage.remote import exists, read_bytes

    endpoint, put = s3
    base, www = web
    if not (www / "tiny.ome.zarr").exists():
        shutil.copytree(tiny, www / "tiny.ome.zarr")
    for upstream, url, options in ((endpoint, put(tiny, "flaky/tiny.zarr"), {"endpoint_url": None}),
                                   (base, None, {})):
        for missing_as_403 in (False, True):
            proxy = _flaky(upstream, missing_as_403=missing_as_403)
            try:
                where = url or f"{proxy.endpoint}/tiny.ome.zarr"
                if "endpoint_url" in options:
                    options = {"endpoint_url": proxy.endpoint}
                root = open_location(where, retries=3, **options)
                if missing_as_403:
                    with pytest.raises(MigrateError, match="--missing-chunk-status 403"):
                        read_bytes(root / "0" / "1.1.1", 1000)
                    root = open_location(where, retries=3, missing_chunk_status=403, **options)
                assert read_bytes(root / "0" / "1.1.1", 1000) is None and not exists(root / "0" / "1.1.1")
                assert len([p for _, p in proxy.log if "1.1.1" in p]) == (3 if missing_as_403 else 2)
            finally:
                proxy.close()


@pytest.mark.slow
def test_local_to_s3_through_faults_is_valid_and_pixel_equal(s3, tiny):
    """PUT (documents, chunks, the lock), LIST and HEAD retried; the output is complete and exact."""
    endpoint, put = s3
    proxy = _flaky(endpoint, every=3)
    dst = "s3://ngff-test/flaky-out/tiny-local.zarr"
    try:
        report = ngff_migrate.convert(tiny, dst, endpoint_url=proxy.endpoint, overwrite=True)
        assert report.status == "done"
        assert {"slowdown", "500", "drop"} <= proxy.injected()["PUT"]
    finally:
        proxy.close()
    assert ngff_migrate.validate(dst, endpoint_url=endpoint).ok
    _assert_pixel_equal(dst, src=tiny, rels=["0"], **_s3_options(endpoint))


def test_every_request_failing_gives_a_clean_error_and_no_complete_output(s3, web, tmp_path):  # noqa: F811
    endpoint, put = s3
    url = put(V04, "flaky/v04.zarr")
    proxy = _flaky(endpoint, fail_all=True)
    try:
        out = tmp_path / "out.zarr"
        with pytest.raises(MigrateError) as caught:
            ngff_migrate.convert(url, out, endpoint_url=proxy.endpoint, retries=1)
        text = caught.value.one_line()
        assert "s3://ngff-test/flaky/v04.zarr/" in text and "gave up after" in text and "attempts" in text
        assert not out.exists() and not list(tmp_path.iterdir())  # nothing that looks like an output
        result = runner.invoke(app, ["convert", url, str(out), "--endpoint-url", proxy.endpoint, "--retries", "0"])
        assert result.exit_code == 1 and "Traceback" not in result.output and "s3://ngff-test/flaky" in result.output
    finally:
        proxy.close()
    base, _ = web
    proxy = _flaky(base, fail_all=True, faults=("drop",))
    try:
        with pytest.raises(MigrateError, match=r"image_v04\.ome\.zarr.*gave up after 3 attempts"):
            ngff_migrate.convert(f"{proxy.endpoint}/image_v04.ome.zarr", tmp_path / "h.zarr", retries=2)
        assert not (tmp_path / "h.zarr").exists()
    finally:
        proxy.close()


@pytest.mark.slow
def test_a_store_going_away_during_verification_leaves_no_output(web, tiny, tmp_path):  # noqa: F811
    base, www = web
    if not (www / "tiny.ome.zarr").exists():
        shutil.copytree(tiny, www / "tiny.ome.zarr")
    probe = _flaky(base)  # a healthy run: how many requests it takes
    try:
        ngff_migrate.convert(f"{probe.endpoint}/tiny.ome.zarr", tmp_path / "probe.zarr", verify="full")
    finally:
        probe.close()
    proxy = _flaky(base, fail_after=len(probe.log) - 2)  # the store goes away while the output is verified
    try:
        with pytest.raises(MigrateError, match=r"tiny\.ome\.zarr/0.*cannot be read: gave up after 2 attempts"):
            ngff_migrate.convert(f"{proxy.endpoint}/tiny.ome.zarr", tmp_path / "v.zarr", verify="full", retries=1)
        assert not (tmp_path / "v.zarr").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["probe.zarr"]
    finally:
        proxy.close()


@pytest.mark.slow
def test_copy_to_s3_that_fails_part_way_leaves_no_root_document(s3, tiny):
    """The store fails every request once a few objects were written: no root document at the
    destination (it never looks complete), and the next run of the same command cleans up."""
    endpoint, put = s3
    dst = "s3://ngff-test/flaky-out/tiny-partway.zarr"
    fs = put.fs
    for cut in (6, 12):
        proxy = _flaky(endpoint, fail_after=cut, faults=("500",))
        try:
            with pytest.raises(MigrateError, match="tiny-partway.zarr"):
                ngff_migrate.convert(tiny, dst, endpoint_url=proxy.endpoint, retries=1, overwrite=True)
            assert [m for m, _ in proxy.log[:cut]].count("PUT") >= 2, proxy.log  # it had begun writing
        finally:
            proxy.close()
        fs.invalidate_cache()
        assert not fs.exists("ngff-test/flaky-out/tiny-partway.zarr/zarr.json"), cut
    assert ngff_migrate.convert(tiny, dst, endpoint_url=endpoint).status == "done"  # run.json: cleaned up
    _assert_pixel_equal(dst, src=tiny, rels=["0"], **_s3_options(endpoint))


@pytest.mark.slow
def test_403_for_absent_keys_needs_the_option(s3, web, tmp_path):  # noqa: F811
    """A store answering 403 for absent keys (EBI's S3): a clear error without the option,
    a valid, pixel-equal copy with --missing-chunk-status 403 (S3 and HTTP)."""
    endpoint, put = s3
    url = put(V04, "flaky/v04.zarr")
    proxy = _flaky(endpoint, missing_as_403=True)
    try:
        with pytest.raises(MigrateError, match="--missing-chunk-status 403"):
            ngff_migrate.convert(url, tmp_path / "a.zarr", endpoint_url=proxy.endpoint)
        result = runner.invoke(app, ["convert", url, str(tmp_path / "b.zarr"), "--endpoint-url", proxy.endpoint,
                                     "--missing-chunk-status", "403", "-q"])
        assert result.exit_code == 0, result.output
        assert ngff_migrate.validate(tmp_path / "b.zarr").ok
        _assert_pixel_equal(tmp_path / "b.zarr")
    finally:
        proxy.close()
    base, _ = web
    proxy = _flaky(base, missing_as_403=True)
    try:
        src = f"{proxy.endpoint}/image_v04.ome.zarr"
        with pytest.raises(MigrateError, match="403"):
            ngff_migrate.convert(src, tmp_path / "c.zarr")
        assert ngff_migrate.convert(src, tmp_path / "d.zarr", missing_chunk_status=403).status == "done"
        _assert_pixel_equal(tmp_path / "d.zarr")
    finally:
        proxy.close()


# --------------------------------------------------------------------------- heavier runs


@pytest.mark.slow
def test_in_place_on_s3_then_rollback_through_faults(s3, tiny):
    """In place and rollback through the faults: valid in between, byte-identical listing after."""
    endpoint, put = s3
    url = put(tiny, "flaky/inplace-tiny.zarr", fresh=True)
    before = _listing(put.fs, url)
    proxy = _flaky(endpoint, every=3)
    try:
        assert ngff_migrate.convert(url, in_place=True, endpoint_url=proxy.endpoint).status == "done"
        assert ngff_migrate.validate(url, endpoint_url=proxy.endpoint).ok
        _assert_pixel_equal(url, src=tiny, rels=["0"], **_s3_options(endpoint))
        result = runner.invoke(app, ["rollback", url, "--endpoint-url", proxy.endpoint])
        assert result.exit_code == 0, result.output
        assert {"slowdown", "500", "drop"} <= proxy.injected()["PUT"]
    finally:
        proxy.close()
    assert _listing(put.fs, url) == before


@pytest.mark.slow
def test_in_place_on_s3_when_the_store_goes_away_is_resumable(s3):
    """A store that fails every request after the journal was written: the run cannot roll
    itself back (the store is gone), so its journal stays; once the store is back, rollback gives
    the original listing byte for byte, and the same command run again finishes the job."""
    endpoint, put = s3
    url = put(V04, "flaky/gone-v04.zarr", fresh=True)
    before = _listing(put.fs, url)
    probe = _flaky(endpoint)  # a healthy run, to find where the journal is written
    try:
        ngff_migrate.convert(url, in_place=True, endpoint_url=probe.endpoint, verify="none")
    finally:
        probe.close()
    ngff_migrate.rollback(url, endpoint_url=endpoint)
    assert _listing(put.fs, url) == before
    journal = next(i for i, (m, p) in enumerate(probe.log) if m == "PUT" and "journal.json" in p)
    for finish in ("rollback", "convert"):
        proxy = _flaky(endpoint, fail_after=journal + 3, faults=("500",))  # while the documents are written
        try:
            with pytest.raises(MigrateError, match="flaky/gone-v04.zarr"):
                ngff_migrate.convert(url, in_place=True, endpoint_url=proxy.endpoint, verify="none", retries=0)
        finally:
            proxy.close()
        assert ".ngff-migrate/journal.json" in _listing(put.fs, url)  # kept: the run is resumable
        if finish == "convert":
            report = ngff_migrate.convert(url, in_place=True, endpoint_url=endpoint)
            assert report.status == "done" and any("recovered" in w for w in report.warnings)
            assert ngff_migrate.validate(url, endpoint_url=endpoint).ok
            _assert_pixel_equal(url, **_s3_options(endpoint))
        ngff_migrate.rollback(url, endpoint_url=endpoint)
        assert _listing(put.fs, url) == before, finish


@pytest.mark.slow
def test_s3_to_s3_copyobject_through_faults(s3, tiny):
    """Server-side CopyObject retried on 503 SlowDown, 500 and dropped connections."""
    endpoint, put = s3
    url = put(tiny, "flaky/tiny.zarr")
    dst = "s3://ngff-test/flaky-out/tiny-copy.zarr"
    proxy = _flaky(endpoint, every=3)
    try:
        report = ngff_migrate.convert(url, dst, endpoint_url=proxy.endpoint, overwrite=True)
        assert report.status == "done"
        assert proxy.injected()["COPY"] == {"slowdown", "500", "drop"}
    finally:
        proxy.close()
    assert ngff_migrate.validate(dst, endpoint_url=endpoint).ok
    _assert_pixel_equal(dst, src=tiny, rels=["0"], **_s3_options(endpoint))
