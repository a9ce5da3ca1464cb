"""What every section shares: where things are, the error type, and the
run's context (which stacktop binary, how many rounds)."""
import os
import shlex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEFAULT_STACKTOP = os.path.join(ROOT, "build", "stacktop")
TARGETS = os.path.join(ROOT, "build", "tests", "targets")
PY_TARGETS = os.path.join(ROOT, "tests", "targets", "python")
# Peer tools are not terminals here: TERM=dumb and stdin from /dev/null keep
# top from looking for a terminal, LC_ALL=C keeps number formats stable.
ENV = dict(os.environ, TERM="dumb", LC_ALL="C")
# The window over which a benchmark measures the stall probe with no tool
# attached: the noise floor (wake-up latency, other work on the machine).
NOISE_WINDOW_S = 1.0
# A tool still running this long after it should have ended is killed.
TOOL_TIMEOUT_S = 120


class BenchError(Exception):
    """A benchmark cannot go on (a target did not start, a tool failed
    where its failure is not itself a result)."""


class Context:
    """One invocation of scripts/bench: the stacktop binary under test and
    the round counts. Passed to every section rather than kept in module
    globals, so that a section's commands say which binary they run.

    runs: the rounds a section uses (--runs, or the section's default);
    given_runs: --runs as given (None without it), for the parts whose own
    default differs from their section's."""

    def __init__(self, stacktop=DEFAULT_STACKTOP, runs=None, given_runs=None):
        self.stacktop = os.path.abspath(stacktop)
        self.runs = runs
        self.given_runs = given_runs
        # Tables show the binary relative to the tree (build/stacktop), as
        # they always have; another binary by the path it was given.
        rel = os.path.relpath(self.stacktop, ROOT)
        self.stacktop_shown = rel if not rel.startswith("..") else self.stacktop

    def with_runs(self, runs):
        """The same context with another round count."""
        return Context(self.stacktop, runs, self.given_runs)

    def show(self, argv):
        """A command as the tables print it (build the argv with PID as the
        pid)."""
        return shlex.join(argv).replace(self.stacktop, self.stacktop_shown)
