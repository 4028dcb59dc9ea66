"""Remote stores (issue #11): in place on S3, and copy throughput from S3.

Both parts run against a real S3 server on loopback: moto's server mode
(``moto.server.ThreadedMotoServer``, in this process, which is otherwise idle
while the timed tools run as subprocesses). Every tool is a whole process
(interpreter start + imports + work), runs are interleaved round by round,
and medians are printed with the ratio to the peer measured in the same run.

**Part ``inplace``** (issue #11, "An in-place migration of a 96-well plate (4
fields, 3 levels) on the loopback S3 server: seconds and requests, against
ngff-zarr's ``upgrade`` on the same single image from S3 (its
``storage_options``) and against a ``zarr migrate v3`` of one image"):

* the plate is ``make_plate.write_plate(rows=8, columns=12, fields=4,
  levels=3)``: 96 wells, 384 fields, 1,152 arrays of 64² uint8 in 32² chunks;
  one field of it (``write_field_image``) is the single image;
* **ngff-migrate**: ``ngff-migrate convert --in-place s3://.../plate.zarr
  --endpoint-url E --verify none`` (and ``--verify sample``), then the same on
  the single image; reset: ``ngff-migrate rollback`` (untimed), after which the
  object listing (keys, sizes, ETags) must equal the pristine one;
* **ngff-zarr**: version 0.50 writes only to local directories, so it cannot
  upgrade a bucket in place. Its one remote mode is measured instead,
  ``upgrade_ome_zarr("s3://.../image.zarr", LOCAL_OUT, version="0.5",
  storage_options={...})`` (read from S3 through its obstore backend, write a
  local 0.5 copy), against ``ngff-migrate convert s3://.../image.zarr LOCAL_OUT
  --verify none`` (a local RFC-8 copy);
* **zarr-python**: ``zarr migrate v3`` of the single image: the function
  behind that CLI command, ``zarr.metadata.migrate_v3.migrate_v2_to_v3``, on
  an ``FsspecStore`` with the same storage options (the CLI itself takes no
  endpoint); reset as for ngff-zarr.

Requests are counted by a recording proxy (``tests/s3_server.Proxy``) that
every tool talks to in this part, so the counts are comparable; ngff-migrate's
own counts (``report.storage``) are printed next to them. Per-dataset ratio:
the plate's time / 384 fields against the peer's time for one image, and the
single image against the peer directly.

**Part ``copy``** (issue #11, "Copy throughput from S3 against s3fs's own
recursive ``get`` of the same prefix. Goal: >= 0.8x"): the 256 MiB image of
``bench_inplace_scaling.py`` (2,688 chunk objects, 336 MiB in all) uploaded
once; ``ngff-migrate convert s3://.../big.zarr OUT --endpoint-url E --verify
none`` against ``python -c "s3fs.S3FileSystem(...).get('bucket/big.zarr', OUT,
recursive=True)"``, both straight to the server (no proxy). Throughput is the
bytes of the source prefix / wall time.

Usage: ``python benchmarks/bench_s3.py [--part inplace|copy|all] [--runs N]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import _common as c  # noqa: E402
import make_plate  # noqa: E402
import s3_server  # noqa: E402

BUCKET = s3_server.BUCKET
TARGET_COPY = 0.8  # issue #11: >= 0.8x s3fs's recursive get


def listing(fs, prefix: str) -> dict[str, tuple[int, str]]:
    """Every object below ``prefix``: key -> (size, ETag)."""
    fs.invalidate_cache()
    found = fs.find(f"{BUCKET}/{prefix}", detail=True)
    return {k: (int(v.get("size") or 0), str(v.get("ETag"))) for k, v in found.items() if v.get("type") != "directory"}


def upload(fs, local: Path, prefix: str) -> None:
    fs.invalidate_cache()
    if fs.exists(f"{BUCKET}/{prefix}"):
        fs.rm(f"{BUCKET}/{prefix}", recursive=True)
    fs.put(str(local), f"{BUCKET}/{prefix}", recursive=True)
    fs.invalidate_cache()


def s3_code(endpoint: str) -> str:
    return (f"storage_options={{'key': {s3_server.ACCESS!r}, 'secret': {s3_server.SECRET!r}, "
            f"'client_kwargs': {{'endpoint_url': {endpoint!r}}}}}")


def ngff_zarr_cmd(endpoint: str, url: str, output: Path) -> list[str]:
    """ngff-zarr's upgrade from S3 to a local output: 0.50 writes local directories only
    ("ngff-zarr writes to local directory paths"), so it cannot upgrade a bucket in place.
    Its obstore backend reads S3 (``endpoint_url`` -> ``endpoint``; plain HTTP through
    ``AWS_ALLOW_HTTP``, set in :func:`main`)."""
    code = (f"import shutil; shutil.rmtree({str(output)!r}, ignore_errors=True)\n"
            f"storage_options={{'key': {s3_server.ACCESS!r}, 'secret': {s3_server.SECRET!r}, "
            f"'endpoint_url': {endpoint!r}, 'region_name': 'us-east-1'}}\n"
            f"from ngff_zarr import upgrade_ome_zarr\n"
            f"upgrade_ome_zarr({url!r}, {str(output)!r}, version='0.5', storage_options=storage_options)")
    return [c.PY, "-c", code]


def ours_copy(endpoint: str, url: str, output: Path) -> list[str]:
    return ["sh", "-c", f"rm -rf '{output}' && exec {c.NGFF_MIGRATE} convert {url} '{output}' "
                        f"--endpoint-url {endpoint} --verify none --quiet"]


def zarr_migrate_cmd(endpoint: str, url: str) -> list[str]:
    return [c.PY, "-c", f"{s3_code(endpoint)}\nfrom zarr.metadata.migrate_v3 import migrate_v2_to_v3\n"
                        f"from zarr.storage import FsspecStore\n"
                        f"store = FsspecStore.from_url({url!r}, storage_options=storage_options)\n"
                        f"migrate_v2_to_v3(input_store=store)"]


def ours_inplace(endpoint: str, url: str, verify: str, report: Path) -> list[str]:
    return [c.NGFF_MIGRATE, "convert", "--in-place", url, "--endpoint-url", endpoint, "--verify", verify,
            "--quiet", "--report", str(report)]


def part_inplace(runs: int, fs, endpoint: str) -> dict:
    work = c.WORK / "s3"
    plate, image = work / "plate96.zarr", work / "field.zarr"
    if not plate.exists():
        counts = make_plate.write_plate(plate, rows=8, columns=12, fields=4, levels=3)
        print(f"  wrote {plate} {counts}")
    if not image.exists():
        make_plate.write_field_image(image)
    upload(fs, plate, "plate96.zarr")
    upload(fs, image, "field.zarr")
    pristine = {"plate96.zarr": listing(fs, "plate96.zarr"), "field.zarr": listing(fs, "field.zarr")}
    proxy = s3_server.Proxy(endpoint.removeprefix("http://"))
    pe = proxy.endpoint
    plate_url, image_url = f"s3://{BUCKET}/plate96.zarr", f"s3://{BUCKET}/field.zarr"
    report = work / "report.json"
    tools = {
        "ngff-migrate plate --verify none": (ours_inplace(pe, plate_url, "none", report), "plate96.zarr", "ours"),
        "ngff-migrate plate --verify sample": (ours_inplace(pe, plate_url, "sample", report), "plate96.zarr", "ours"),
        "ngff-migrate image --verify none": (ours_inplace(pe, image_url, "none", report), "field.zarr", "ours"),
        "ngff-migrate image --verify sample": (ours_inplace(pe, image_url, "sample", report), "field.zarr", "ours"),
        "zarr migrate v3 image": (zarr_migrate_cmd(pe, image_url), "field.zarr", "reupload"),
        "ngff-migrate image S3 -> local --verify none": (ours_copy(pe, image_url, work / "out-ours.zarr"),
                                                         "field.zarr", "none"),
        "ngff-zarr upgrade image S3 -> local": (ngff_zarr_cmd(pe, image_url, work / "out-ngff-zarr.zarr"),
                                                "field.zarr", "none"),
    }
    times: dict[str, list[float]] = {k: [] for k in tools}
    requests: dict[str, dict[str, int]] = {}
    ours_counts: dict[str, dict] = {}
    for r in range(runs + 1):  # round 0 is the warm-up (not counted)
        for name, (cmd, prefix, reset) in tools.items():
            proxy.log.clear()
            elapsed, _ = c.timed(cmd)
            by_kind: dict[str, int] = {}
            for method, path in proxy.log:
                kind = "LIST" if method == "GET" and ("list-type=" in path or "prefix=" in path) else method
                by_kind[kind] = by_kind.get(kind, 0) + 1
            if r:
                times[name].append(elapsed)
            requests[name] = by_kind
            if reset == "ours":
                ours_counts[name] = json.loads(report.read_text()).get("storage") or {}
                c.timed([c.NGFF_MIGRATE, "rollback", f"s3://{BUCKET}/{prefix}", "--endpoint-url", endpoint])
            elif reset == "reupload":
                upload(fs, plate if prefix == "plate96.zarr" else image, prefix)
            after = listing(fs, prefix)
            if after != pristine[prefix]:
                raise SystemExit(f"reset of {prefix} after {name!r} is not byte-identical")
        print(f"  round {r}{' (warm-up)' if r == 0 else ''} done", flush=True)
    proxy.close()
    med = {k: c.median(v) for k, v in times.items()}
    rows = []
    for name in tools:
        reqs = requests[name]
        rows.append([name, c.fmt_s(med[name]), str(sum(reqs.values())),
                     ", ".join(f"{k} {v}" for k, v in sorted(reqs.items()))])
    print(c.markdown_table(["tool", "median", "requests", "by kind (proxy)"], rows))
    per_field = {v: med[f"ngff-migrate plate --verify {v}"] / 384 for v in ("none", "sample")}
    ratios = {}
    peer = "zarr migrate v3 image"
    for v in ("none", "sample"):
        ratios[f"image in place --verify {v} / {peer}"] = med[f"ngff-migrate image --verify {v}"] / med[peer]
        ratios[f"plate per field --verify {v} / {peer}"] = per_field[v] / med[peer]
        ratios[f"plate --verify {v} / image --verify {v}"] = (med[f"ngff-migrate plate --verify {v}"]
                                                              / med[f"ngff-migrate image --verify {v}"])
    ratios["image S3 -> local / ngff-zarr upgrade S3 -> local"] = (
        med["ngff-migrate image S3 -> local --verify none"] / med["ngff-zarr upgrade image S3 -> local"])
    for k, v in ratios.items():
        print(f"  {k}: {v:.2f}x")
    return {"times": times, "medians": med, "requests_proxy": requests, "requests_ours": ours_counts,
            "per_field_s": per_field, "ratios": ratios}


def part_copy(runs: int, fs, endpoint: str) -> dict:
    src = c.cached_image("inplace_z128", 128)
    upload(fs, src, "big.zarr")
    size = sum(v[0] for v in listing(fs, "big.zarr").values())
    nobj = len(listing(fs, "big.zarr"))
    print(f"  input: {c.human(size)} in {nobj} objects")
    out = c.WORK / "s3" / "copy.out"
    url = f"s3://{BUCKET}/big.zarr"
    s3fs_cmd = [c.PY, "-c", f"{s3_code(endpoint)}\nimport s3fs\n"
                            f"fs = s3fs.S3FileSystem(key=storage_options['key'], secret=storage_options['secret'], "
                            f"client_kwargs=storage_options['client_kwargs'])\n"
                            f"fs.get('{BUCKET}/big.zarr', {str(out)!r}, recursive=True)"]
    ours_cmd = [c.NGFF_MIGRATE, "convert", url, str(out), "--endpoint-url", endpoint, "--verify", "none", "--quiet"]
    tools = {"s3fs get (recursive)": s3fs_cmd, "ngff-migrate convert --verify none": ours_cmd}
    times: dict[str, list[float]] = {k: [] for k in tools}
    for r in range(runs + 1):
        for name, cmd in tools.items():
            shutil.rmtree(out, ignore_errors=True)
            elapsed, _ = c.timed(cmd)
            if r:
                times[name].append(elapsed)
        print(f"  round {r}{' (warm-up)' if r == 0 else ''} done", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    med = {k: c.median(v) for k, v in times.items()}
    for name in tools:
        print(f"  {name}: median {c.fmt_s(med[name])}, {size / med[name] / 1e6:.0f} MB/s")
    ratio = med["s3fs get (recursive)"] / med["ngff-migrate convert --verify none"]
    verdict = c.verdict("copy throughput / s3fs get", ratio, TARGET_COPY, at_most=False)
    return {"bytes": size, "objects": nobj, "times": times, "medians": med, "throughput_ratio": ratio,
            "verdict": verdict}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["inplace", "copy", "all"], default="all")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    info = c.machine_info()
    c.print_machine(info)
    os.environ["AWS_ALLOW_HTTP"] = "true"  # ngff-zarr's obstore backend and the loopback server
    server, endpoint, fs, _put = s3_server.start_moto()
    results: dict = {"machine": info}
    try:
        c.warm_up()
        if args.part in ("inplace", "all"):
            print("## in place on S3", flush=True)
            t = time.perf_counter()
            results["inplace"] = part_inplace(args.runs, fs, endpoint)
            print(f"  ({time.perf_counter() - t:.0f} s)")
        if args.part in ("copy", "all"):
            print("## copy from S3", flush=True)
            results["copy"] = part_copy(args.runs, fs, endpoint)
    finally:
        server.stop()
    print(f"results: {c.save_results('bench_s3', results)}")


if __name__ == "__main__":
    main()
