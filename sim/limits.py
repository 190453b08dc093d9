"""The upper bounds on every size a user can ask for, in one place.

Each bound keeps one command within a 24 GiB, 2-core machine and is checked before any work
starts (a request over it stops with one line naming the option). The README's "Bad input"
section lists them.
"""

from __future__ import annotations

#: most runs one command holds [runs]: the per-run table (every outcome at every year-end and the
#: sampled parameters) takes about 1.5 KB a run and writing it to Parquet briefly doubles that, so
#: 2,000,000 runs stay near 6 GB. Bounds run.runs, --runs, a sweep's points x runs and a Sobol
#: design's N x (k + 2).
MAX_RUNS = 2_000_000
#: largest chunk [runs]: a chunk's arrays take about 60 KB a run while it steps (the default
#: 5,000 runs: about 300 MB), so 100,000 runs stay near 6 GB.
MAX_CHUNK = 100_000
#: most worker processes sim starts [processes]: each holds one chunk, so 32 stay near 10 GB at
#: the default chunk; a larger cluster is started outside sim and named with --scheduler.
MAX_WORKERS = 32
#: most runs whose monthly paths `sim run --trajectories` writes [runs]: a run's paths over
#: 72 months of about 30 series are about 20 KB of CSV, so 1,000 runs make about 20 MB.
MAX_TRAJECTORIES = 1_000
#: largest Sobol base sample N [runs] (a power of two).
MAX_SAMPLES = 2**16
#: most points of a sweep [points].
MAX_POINTS = 400
#: largest scenario file [bytes]: the shipped ones are under 40 KB.
MAX_FILE_BYTES = 8 * 2**20
#: deepest nesting of a scenario file [levels]: a scenario needs about 8.
MAX_DEPTH = 64
#: longest extends: chain [files]: the shipped ones are at most 3 long.
MAX_EXTENDS = 32
