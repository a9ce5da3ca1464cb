// A node target for JIT frames: the main thread spins in hotSpinner, which V8
// compiles (and --perf-basic-prof names in /tmp/perf-PID.map).
"use strict";

function hotSpinner(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    s = (s + i * 7) % 1000003;
  }
  return s;
}

function outerLoop() {
  let t = 0;
  for (;;) {
    t += hotSpinner(1000000);
  }
}

console.log("ready " + process.pid);
outerLoop();
