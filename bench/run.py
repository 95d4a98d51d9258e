"""`make bench SCALE=demo|city|region`: the benchmarks measured so far, in one run.

Generation (bench/generate.py) and extraction/CO ingestion against a bare COPY
(bench/extract.py); results in bench/results/*.json and *.md with the machine's
description. The dbt, end-to-end and alternative-tool comparisons of the benchmark
issue are not written yet.
"""

from __future__ import annotations

import argparse

import extract
import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["demo", "city", "region"], default="demo")
    scale = parser.parse_args().scale
    generate.main([scale])
    extract.main(scale)


if __name__ == "__main__":
    main()
