"""Shell completion: `stacktop completion SHELL` writes bash, zsh and fish
scripts from the option tables. bash completes commands, each command's
options (the same as its --help), PIDs for -p and the choices of
--format; zsh and fish read their scripts (and fish completes, where
installed); `meson install` puts the three where each shell looks."""

import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import STACKTOP, check, run, stacktop

COMMANDS = ["top", "report", "mem", "dump", "record", "locks", "diff"]


def script(shell):
    code, out, err = stacktop("completion", shell)
    check(code == 0 and err == "" and out, f"completion {shell}: exit {code}: {err!r}")
    return out.decode()


def bash_complete(path, *words):
    """What bash's completion function offers for the words, the last
    being the one completed."""
    line = " ".join(f"'{w}'" for w in words)
    done = subprocess.run(["bash", "--norc", "-c",
                           f'source "{path}" && COMP_WORDS=({line}) && '
                           f'COMP_CWORD={len(words) - 1} && _stacktop && '
                           'printf "%s\\n" "${COMPREPLY[@]}"'],
                          capture_output=True, text=True, timeout=30)
    check(done.returncode == 0 and done.stderr == "",
          f"bash completion of {words}: {done.returncode} {done.stderr!r}")
    return done.stdout.split()


def long_options(cmd):
    """The long options that `stacktop CMD --help` lists."""
    code, out, _ = stacktop(cmd, "--help")
    check(code == 0, f"{cmd} --help: exit {code}")
    return sorted(set(re.findall(r"^ +(?:-\w, )?(--[\w-]+)", out.decode(), re.M)))


def test():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "stacktop.bash")
        with open(path, "w") as f:
            f.write(script("bash"))

        got = bash_complete(path, "stacktop", "rep")
        check(got == ["report"], f"stacktop rep<TAB>: {got}")
        got = bash_complete(path, "stacktop", "")
        check(all(c in got for c in COMMANDS + ["help", "version"]),
              f"stacktop <TAB>: {got}")
        for cmd in COMMANDS:
            got = sorted(bash_complete(path, "stacktop", cmd, "--"))
            check(got == long_options(cmd),
                  f"stacktop {cmd} --<TAB>: {got}, --help says {long_options(cmd)}")
        got = bash_complete(path, "stacktop", "report", "--js")
        check(got == ["--json"], f"stacktop report --js<TAB>: {got}")
        got = bash_complete(path, "stacktop", "record", "-f", "")
        _, out, _ = stacktop("record", "--help")
        formats = re.search(r"--format ([\w|]+)", out.decode()).group(1).split("|")
        check(got == formats and "svg" in got, f"record -f <TAB>: {got}, usage: {formats}")
        got = bash_complete(path, "stacktop", "help", "du")
        check(got == ["dump"], f"stacktop help du<TAB>: {got}")
        got = bash_complete(path, "stacktop", "report", "-d", "")
        check(got == [], f"report -d <TAB>: {got}")
        # diff's profiles are files; its options still complete after '-'.
        profile = os.path.join(d, "before.folded")
        open(profile, "w").close()
        got = bash_complete(path, "stacktop", "diff", os.path.join(d, "bef"))
        check(got == [profile], f"diff {d}/bef<TAB>: {got}")

        # PIDs: of one, and after the comma of a list.
        me = str(os.getpid())
        got = bash_complete(path, "stacktop", "dump", "-p", me)
        check(me in got and all(p.startswith(me) for p in got), f"dump -p {me}<TAB>: {got}")
        got = bash_complete(path, "stacktop", "report", "-p", f"1,{me}")
        check(f"1,{me}" in got, f"report -p 1,{me}<TAB>: {got}")

        zsh = shutil.which("zsh")
        if zsh:
            path = os.path.join(d, "_stacktop")
            with open(path, "w") as f:
                f.write(script("zsh"))
            done = subprocess.run([zsh, "-n", path], capture_output=True, text=True)
            check(done.returncode == 0, f"zsh -n _stacktop: {done.stderr}")
        else:
            print("zsh is not installed: its script is not read")
        fish = shutil.which("fish")
        if fish:
            path = os.path.join(d, "stacktop.fish")
            with open(path, "w") as f:
                f.write(script("fish"))
            done = subprocess.run([fish, "--no-config", "-c",
                                   f"source {path}; complete -C 'stacktop rep'; "
                                   "complete -C 'stacktop report --js'"],
                                  capture_output=True, text=True, timeout=30)
            check(done.returncode == 0 and done.stdout.startswith("report\t") and
                  "\n--json\t" in done.stdout, f"fish: {done.returncode} {done.stdout!r} "
                  f"{done.stderr!r}")
        else:
            print("fish is not installed: its script is not read")

    code, out, err = stacktop("completion", "tcsh")
    check(code == 2 and err == "stacktop completion: the shell is bash, zsh or fish\n"
          "usage: stacktop completion bash|zsh|fish\n", f"completion tcsh: {code} {err!r}")

    check_installed()


def check_installed():
    """meson install --destdir puts the three scripts in the shells'
    directories, the same as the binary writes."""
    build = os.environ["BUILD_ROOT"]
    meson = shutil.which("meson")
    check(meson is not None, "no meson on PATH")
    done = subprocess.run([meson, "introspect", "--installed", build], capture_output=True,
                          text=True)
    check(done.returncode == 0, f"meson introspect: {done.stderr}")
    installed = json.loads(done.stdout)
    want = {"bash": "/bash-completion/completions/stacktop",
            "zsh": "/zsh/site-functions/_stacktop",
            "fish": "/fish/vendor_completions.d/stacktop.fish"}
    with tempfile.TemporaryDirectory() as dest:
        done = subprocess.run([meson, "install", "-C", build, "--no-rebuild", "--quiet",
                               "--destdir", dest], capture_output=True, text=True)
        check(done.returncode == 0, f"meson install: {done.stdout} {done.stderr}")
        for shell, tail in want.items():
            where = [v for v in installed.values() if v.endswith(tail)]
            check(len(where) == 1, f"{shell}: nothing installed as *{tail}: {installed}")
            path = dest + where[0]
            check(os.path.isfile(path), f"{shell}: {path} not installed")
            with open(path) as f:
                check(f.read() == script(shell), f"{shell}: {path} is not the script")


run(test)
