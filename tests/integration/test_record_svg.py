"""record's SVG flame graph, its script run in a real browser (headless
Chromium, Debian's chromium): a click zooms into a frame (it spans the
graph, frames beside it are hidden, Reset zoom shows), search highlights
matches with their share of the samples (the share the frame's own tooltip
gives), reset puts everything back. Threads that run the same code share
one tower unless --per-thread. Skipped, saying why, where Chromium is not
installed."""

import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import check, run, skip, stacktop, start_target

# The graph inline in a page, and a script that drives it as a user would
# (a click on a frame) and through the functions its own script exports,
# then leaves what it saw in #result for --dump-dom.
PAGE = """<!DOCTYPE html><html><body>%s<pre id="result">pending</pre>
<script>
window.addEventListener('load', function () {
  var r = {};
  function frame(label) {
    return Array.prototype.find.call(document.querySelectorAll('g.f'),
      function (g) { return g.getAttribute('data-l') === label; });
  }
  try {
    var hot = frame('hot_main'), idle = frame('idle_main');
    var rect = hot.querySelector('rect');
    r.before = +rect.getAttribute('width');
    hot.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    r.zoomed = +rect.getAttribute('width');
    r.idle_hidden = idle.style.display === 'none';
    r.reset_shown = document.getElementById('reset').style.display !== 'none';
    r.matched = window.stacktopSearch('^spin_forever$');
    r.spin_fill = frame('spin_forever').querySelector('rect').getAttribute('fill');
    r.matched_text = document.getElementById('matched').textContent;
    window.stacktopReset();
    r.after_reset = +rect.getAttribute('width');
    r.idle_back = idle.style.display === '';
  } catch (e) { r.error = String(e); }
  document.getElementById('result').textContent = JSON.stringify(r);
});
</script></body></html>"""


def browse(svg_path, tmp):
    svg = open(svg_path).read()
    svg = svg[svg.index("<svg"):]  # no XML declaration inside HTML
    page = os.path.join(tmp, "page.html")
    with open(page, "w") as f:
        f.write(PAGE % svg)
    out = subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=5000", "--dump-dom", "file://" + page],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="result">(.*?)</pre>', out.stdout, re.S)
    check(m is not None, f"chromium gave no result: {out.returncode} {out.stderr[-1500:]}")
    text = m.group(1).replace("&quot;", '"').replace("&amp;", "&")
    check(text != "pending", "the page's script did not run")
    return json.loads(text)


def tooltip_share(svg, label):
    m = re.search(r"<title>%s \(\d+ samples?, ([\d.]+)%%\)</title>" % re.escape(label), svg)
    check(m is not None, f"no tooltip for {label}")
    return float(m.group(1))


def check_script(tmp):
    target = start_target("threads", "2")
    path = os.path.join(tmp, "wall.svg")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "--mode", "wall", "-o", path)
    check(code == 0, f"record --mode wall -o .svg: {err}")
    target.kill()
    svg = open(path).read()
    r = browse(path, tmp)
    check("error" not in r, f"the page's script failed: {r}")
    width = 1400 - 2 * 10
    check(r["before"] < width - 1 and abs(r["zoomed"] - width) < 1,
          f"a click on hot_main did not zoom it to the graph's width: {r}")
    check(r["idle_hidden"] and r["reset_shown"], f"zoom: frames beside it, reset: {r}")
    share = tooltip_share(svg, "spin_forever")
    check(abs(r["matched"] - share) < 0.2 and r["matched_text"] == "Matched: %.1f%%" %
          r["matched"], f"search share {r['matched']} vs the tooltip's {share}: {r}")
    check(r["spin_fill"] == "rgb(230,0,230)", f"match not highlighted: {r}")
    check(abs(r["after_reset"] - r["before"]) < 0.2 and r["idle_back"], f"reset: {r}")


def check_threads_merged(tmp):
    """Four workers of one pool run the same code: one tower by default,
    four under their thread names with --per-thread."""
    target = start_target("pool", "4")
    merged = os.path.join(tmp, "merged.svg")
    split = os.path.join(tmp, "split.svg")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "--mode", "wall", "-o", merged)
    check(code == 0, f"record: {err}")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "--mode", "wall",
                            "--per-thread", "-o", split)
    check(code == 0, f"record --per-thread: {err}")
    target.kill()
    merged, split = open(merged).read(), open(split).read()
    towers = lambda svg: len(re.findall(r"<title>worker_main \(", svg))
    threads = lambda svg: len(re.findall(r"<title>thread ", svg))
    check(towers(merged) == 1 and threads(merged) == 0,
          f"merged: {towers(merged)} worker_main frames, {threads(merged)} thread roots")
    check(towers(split) >= 4 and threads(split) >= 5,
          f"--per-thread: {towers(split)} worker_main frames, {threads(split)} thread roots")
    check("threads merged (--per-thread splits them)" in merged and
          "a tower per thread" in split, "the footer does not say how threads are shown")
    m = re.search(r"over [\d.]+ s: ([\d.]+) Hz achieved of 100 asked", merged)
    check(m is not None and 0 < float(m.group(1)) <= 105, "footer: achieved rate")


def test():
    with tempfile.TemporaryDirectory() as tmp:
        check_threads_merged(tmp)
        if shutil.which("chromium") is None:
            skip("Chromium is not installed (Debian: chromium): it runs the SVG's script")
        check_script(tmp)


if __name__ == "__main__":
    run(test)
