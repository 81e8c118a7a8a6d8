// Runs a process under GNU time (/usr/bin/time -v) for the benchmarks: bench/run.js, bench/monorepo.js.

const { spawnSync } = require("node:child_process");

const TIME = "/usr/bin/time";

/** Runs argv under /usr/bin/time -v: wall seconds, peak RSS (KiB), CPU seconds, exit status, stdout. Another exit status than `exitCodes`: failed. */
function measureProcess(argv, { timeoutS, cwd, exitCodes = [0, 1] }) {
  // coreutils timeout under GNU time: the measured process itself is killed (exit 137), not left running.
  const res = spawnSync(TIME, ["-v", "timeout", "-s", "KILL", String(timeoutS), ...argv], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const stats = res.stderr ?? "";
  const field = (label) => {
    const m = stats.match(new RegExp(`${label}: (.+)`));
    return m ? m[1].trim() : undefined;
  };
  const elapsed = () =>
    (field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)") ?? "0")
      .split(":")
      .reduce((acc, part) => acc * 60 + Number(part), 0);
  if (res.status === 137) {
    // SIGKILL: from timeout when the time is up, else from elsewhere (the kernel's OOM killer).
    return elapsed() >= timeoutS - 1
      ? { failed: `did not finish within ${timeoutS} s`, timedOut: timeoutS }
      : { failed: `killed by SIGKILL after ${elapsed()} s (out of memory?)` };
  }
  if (res.error || !exitCodes.includes(res.status)) {
    const why = res.error
      ? res.error.message
      : stats
          .split("\n")
          .filter((l) => l && !/^\t/.test(l))
          .slice(-1)[0];
    return { failed: `${argv[0].split("/").pop()} exited ${res.status ?? res.signal}: ${why}` };
  }
  return {
    wall: elapsed(),
    cpu: Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)")),
    rssKiB: Number(field("Maximum resident set size \\(kbytes\\)")),
    status: res.status,
    stdout: res.stdout,
    stderr: stats,
  };
}

module.exports = { measureProcess };
