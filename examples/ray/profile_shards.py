"""Profile a folder of embedding shards on a Ray cluster with embcheck, merge, and report.

    python examples/ray/profile_shards.py DATA_DIR OUT_DIR [--shards N] [--embcheck "npx embcheck"]

Each Ray task runs `embcheck profile DATA_DIR --shard I/N -o OUT_DIR/part-I.profile` (the task
index is the shard index: embcheck cuts the dataset and numbers the rows itself), then one task
merges the parts and writes the report. On a real cluster DATA_DIR and OUT_DIR are shared storage
(NFS, a mounted bucket); here `ray.init()` starts a local cluster. docs/scaling.md explains it.
"""
import argparse
import os
import shlex
import subprocess

import ray


@ray.remote(num_cpus=1)
def profile_part(embcheck, data, out_dir, index, count):
    out = os.path.join(out_dir, f"part-{index:05d}.profile")
    cmd = [*embcheck, "profile", data, "--shard", f"{index}/{count}", "-o", out, "--force", "--threads", "1"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out


@ray.remote(num_cpus=1)
def merge_and_report(embcheck, parts, out_dir):
    merged = os.path.join(out_dir, "all.profile")
    subprocess.run([*embcheck, "merge", *parts, "-o", merged, "--force"], check=True, capture_output=True)
    report = subprocess.run([*embcheck, "report", merged, "--format", "json"], capture_output=True, text=True)
    if report.returncode != 0:
        raise RuntimeError(report.stderr)
    return report.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out_dir")
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--embcheck", default="embcheck", help='the command, e.g. "node bin/embcheck.js"')
    a = ap.parse_args()
    embcheck = shlex.split(a.embcheck)
    os.makedirs(a.out_dir, exist_ok=True)
    ray.init(num_cpus=max(2, os.cpu_count() or 2), include_dashboard=False, log_to_driver=False)
    parts = ray.get([profile_part.remote(embcheck, a.data, a.out_dir, i, a.shards) for i in range(a.shards)])
    print(ray.get(merge_and_report.remote(embcheck, parts, a.out_dir)), end="")


if __name__ == "__main__":
    main()
