"""stacktop's peer benchmarks, as a package.

`scripts/bench` measures: each section (`sections/`) runs stacktop and its
peers interleaved on one workload and returns a result, plain data (numbers,
ratios, goals, machine, date), never Markdown; `results` is the shape of
that data and of the JSON files it is kept in. `render/` turns results into
Markdown, so that docs/benchmarks.md and the README's table are generated
from the JSON files in docs/benchmarks/ (`scripts/bench-render`) instead of
being copied by hand from a terminal.

Standard library only: the benchmark runs on fresh Debian machines where
nothing else may be installed.
"""
