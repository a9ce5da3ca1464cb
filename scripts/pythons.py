"""Where the CPython interpreters of this machine are, for the tests, the
layout and fixture generators and the benchmarks: one search, not one per
script.

  pyenv_root()      `pyenv root`, else $PYENV_ROOT, else ~/.pyenv
  pyenv_pythons()   [(version directory, executable)] under it, sorted by
                    version ("3.12.1", ".../3.12.1/bin/python3")
  version_key(name) a version directory's name as a tuple, to compare
  sid_root()        the Debian sid root scripts/test-pythons makes
                    ($STACKTOP_TEST_CACHE/sid)
"""
import os
import re
import subprocess


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        out = ""
    return out or os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def version_key(name):
    """A version directory's name ("3.12.1", "3.13.0t") as a tuple for
    sorting: numbers compare as numbers, so 3.10 comes after 3.9."""
    return tuple(int(part) for part in re.findall(r"\d+", name))


def pyenv_pythons(names=("python3", "python2", "python")):
    """names: the executables looked for in each bin/, the first found."""
    versions = os.path.join(pyenv_root(), "versions")
    found = []
    for name in sorted(os.listdir(versions) if os.path.isdir(versions) else [],
                       key=version_key):
        for exe in names:
            path = os.path.join(versions, name, "bin", exe)
            if os.access(path, os.X_OK):
                found.append((name, path))
                break
    return found


def sid_root():
    return os.path.join(os.environ.get("STACKTOP_TEST_CACHE", "/var/cache/stacktop-tests"), "sid")
