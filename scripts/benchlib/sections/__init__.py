"""The sections scripts/bench runs, one module each. A section's
measure(ctx) runs its workload with stacktop and its peers and returns one
result (see results.py); it prints nothing to stdout (progress goes to
stderr), so that what it found can be kept as data and rendered later.

The command line's benchmarks are groups of sections: `native`, `python`
and `mem` take --section to run a part of theirs."""
from . import (collector, dump, load, mem, mem_objgraph, python_current,
               python_installed, record_all, sampling, stall_load, ui)

# {benchmark: {--section name: (result section, module)}}, in run order.
BENCHMARKS = {
    "collector": {"collector": ("collector", collector)},
    "native": {"dump": ("dump", dump),
               "sampling": ("sampling", sampling),
               "load": ("load", load),
               "stall-load": ("stall-load", stall_load),
               "record-all": ("record-all", record_all)},
    "python": {"installed": ("python-installed", python_installed),
               "current": ("python-current", python_current)},
    "ui": {"ui": ("ui", ui)},
    "mem": {"types": ("mem", mem),
            "objgraph": ("mem-objgraph", mem_objgraph)},
}

# Rounds per benchmark without --runs: the Python sections' sampling
# rounds are many windows each; the live view's one run is 20 s of three
# tools at once.
DEFAULT_RUNS = {"python": python_installed.PY_ROUNDS, "ui": 1}
RUNS = 5
