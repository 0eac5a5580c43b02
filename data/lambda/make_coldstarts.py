"""Build data/lambda/coldstarts.csv: quantile tables of measured cold-start durations.

    .venv/bin/python data/lambda/make_coldstarts.py ../shared/data

Sources (see data/lambda/PROVENANCE.md):
- lambda-perf-maxday/lambda_perf_init_durations_long.csv: AWS Lambda INIT durations (REPORT line "Init
  Duration") of hello-world functions, 10 cold starts per runtime x arch x package x memory per day, five
  days 2022-09-05 .. 2026-08-22 (github.com/maxday/lambda-perf, Apache-2.0). Pooled over the days.
- shilkov-coldstarts/raw_coldstart_aws_*.json: end-to-end cold-start latency through API Gateway, adjusted
  by warm latency, data of 2020-2021 (github.com/mikhailshilkov/mikhailio-hugo, MIT; mikhail.io).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

PROBS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
COLS = [f"p{round(p * 100)}" for p in PROBS]
# the 2022 file's names for runtimes that later files spell differently
LEGACY = {"python37": "python3.7", "python38": "python3.8", "python39": "python3.9", "nodejs12x": "nodejs12.x",
          "nodejs14x": "nodejs14.x", "nodejs16x": "nodejs16.x", "ruby27": "ruby2.7", "go1x": "go1.x",
          "go_on_provided": "go (provided)", "rust_on_provided_al2": "rust (prov.al2)"}
# Shilkov's raw files: (preset, package_type, memory_mb or None for "any")
SHILKOV = {
    "js": ("e2e-2021-nodejs", "zip", None), "python": ("e2e-2021-python", "zip", None),
    "go": ("e2e-2021-go", "zip", None), "java": ("e2e-2021-java", "zip", None),
    "ruby": ("e2e-2021-ruby", "zip", None), "csharp": ("e2e-2021-dotnet", "zip", None),
    "vpc": ("e2e-2021-nodejs-vpc", "zip", None),
    "xldeps": ("e2e-2021-nodejs-14mb-deps", "zip", None),
    "minimal": ("e2e-2021-container-image", "image", None),
    "docker100mb": ("e2e-2021-container-image-100mb", "image", None),
    "docker5gb": ("e2e-2021-container-image-5gb", "image", None),
    **{str(m): ("e2e-2021-nodejs-35mb-deps", "zip", m) for m in (128, 256, 512, 1024, 2048, 4096, 8192)},
}


def name(runtime: str) -> str:
    r = LEGACY.get(runtime, runtime).lower()
    return re.sub(r"[\s()]+", "-", r.replace("(", " ").replace(")", " ")).strip("-")


def row(values_ms: np.ndarray, **key) -> dict:
    q = np.quantile(values_ms, PROBS)
    return {**key, "n": len(values_ms), **{c: round(float(v), 2) for c, v in zip(COLS, q)}}


def main(shared: Path) -> None:
    d = pd.read_csv(shared / "lambda-perf-maxday" / "lambda_perf_init_durations_long.csv")
    d["preset"] = d["runtime"].map(name)
    rows = []
    for (preset, arch, pkg, mem), g in d.groupby(["preset", "arch", "package", "memory_mb"]):
        rows.append(row(g["init_ms"].to_numpy(), preset=preset, arch=arch, package_type=pkg, memory_mb=mem,
                        source="maxday/lambda-perf INIT", dates=f"{g['date'].min()}..{g['date'].max()}"))
    for stem, (preset, pkg, mem) in SHILKOV.items():
        pts = json.loads((shared / "shilkov-coldstarts" / f"raw_coldstart_aws_{stem}.json").read_text())["points"]
        ms = np.array([p[0] for p in pts]) * 1000.0
        rows.append(row(ms, preset=preset, arch="x86_64", package_type=pkg, memory_mb=mem if mem else "",
                        source="Shilkov end-to-end", dates="2020..2021"))
    out = Path(__file__).with_name("coldstarts.csv")
    pd.DataFrame(rows).to_csv(out, index=False)
    print(f"{out}: {len(rows)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
