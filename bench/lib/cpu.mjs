// CPU accounting around a measured run, from /proc. It tells whether the server was CPU-bound
// (server CPU near 100 % of its core) or waiting (I/O, the database), and how much CPU other
// programs on the machine took meanwhile ("background"), so a run disturbed by them shows.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function coreTimes() {
  const cores = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = m[2].trim().split(/\s+/).map(Number);
    cores[m[1]] = { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
  }
  return cores;
}

function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      fields: stat.slice(stat.lastIndexOf(')') + 2).split(' '),
    };
  } catch {
    return null;
  }
}

/** utime + stime of a process (all its threads), in ticks. */
function processTicks(pid) {
  const stat = statFields(pid);
  return stat ? Number(stat.fields[11]) + Number(stat.fields[12]) : null;
}

/** This process's own CPU, plus that of its children already reaped (wrk, once it exits). */
function selfAndChildrenTicks() {
  const { fields } = statFields('self');
  return { self: Number(fields[11]) + Number(fields[12]), children: Number(fields[13]) + Number(fields[14]) };
}

/** CPU ticks of every PostgreSQL server process (the database under test, not pinned). */
function postgresTicks() {
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statFields(entry);
    if (stat?.comm === 'postgres') ticks.set(entry, Number(stat.fields[11]) + Number(stat.fields[12]));
  }
  return ticks;
}

/** CPU ticks of one server process, or the sum over several (the nodes of the scaling run). */
function serverTicks(serverPid) {
  if (!Array.isArray(serverPid)) return processTicks(serverPid);
  let total = 0;
  for (const pid of serverPid) {
    const ticks = processTicks(pid);
    if (ticks === null) return null;
    total += ticks;
  }
  return total;
}

/**
 * The peak resident set size of a process (VmHWM in /proc/PID/status), in bytes; null when the
 * process is gone. Read it just before stopping the process.
 */
export function peakRss(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Starts accounting; the returned function ends it and returns, in cores (1 = one core fully busy):
 * server_cpu (`serverPid` may be an array: the sum), wrk_cpu (wrk must have exited and been
 * reaped), postgres_cpu, machine_busy,
 * background (everything else), per-core busy shares, and steal.
 */
export function cpuSampler(serverPid) {
  const t0 = process.hrtime.bigint();
  const cores0 = coreTimes();
  const server0 = serverPid ? serverTicks(serverPid) : null;
  const own0 = selfAndChildrenTicks();
  const pg0 = postgresTicks();
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const perSecond = (ticks) => ticks / TICKS_PER_SECOND / seconds;
    const cores1 = coreTimes();
    const server1 = serverPid ? serverTicks(serverPid) : null;
    const own1 = selfAndChildrenTicks();
    let pg = 0;
    for (const [pid, ticks] of postgresTicks()) pg += ticks - (pg0.get(pid) ?? 0);
    const cores = {};
    let busy = 0;
    let steal = 0;
    for (const [n, c1] of Object.entries(cores1)) {
      const c0 = cores0[n];
      if (!c0) continue;
      const coreBusy = c1.busy - c0.busy;
      const total = coreBusy + (c1.idle - c0.idle);
      cores[n] = total > 0 ? coreBusy / total : 0;
      busy += cores[n];
      steal += perSecond(c1.steal - c0.steal);
    }
    const serverCpu = server0 !== null && server1 !== null ? perSecond(server1 - server0) : 0;
    const wrkCpu = perSecond(own1.children - own0.children);
    const selfCpu = perSecond(own1.self - own0.self);
    const postgresCpu = perSecond(pg);
    return {
      server_cpu: serverCpu,
      wrk_cpu: wrkCpu,
      postgres_cpu: postgresCpu,
      runner_cpu: selfCpu,
      machine_busy: busy,
      background: Math.max(0, busy - serverCpu - wrkCpu - postgresCpu - selfCpu),
      cores,
      steal,
    };
  };
}

/**
 * Waits (up to `maxMs`) for a one-second window in which the machine's busy CPU, less the
 * processes in `ours`, stays under `threshold` cores. Returns the background load last seen.
 */
export async function waitForQuiet({ threshold = 0.1, maxMs = 60_000, log = () => {} } = {}) {
  const deadline = Date.now() + maxMs;
  let told = false;
  for (;;) {
    const sample = cpuSampler(null);
    await sleep(1000);
    const { background } = sample();
    if (background < threshold) return background;
    if (Date.now() > deadline) {
      log(
        `  machine still busy (${(background * 100).toFixed(0)} % of a core used by other programs); measuring anyway`,
      );
      return background;
    }
    if (!told) {
      log(`  waiting for other programs to quiet down (${(background * 100).toFixed(0)} % of a core busy)…`);
      told = true;
    }
  }
}

/**
 * Waits (up to `maxMs`) until the server process(es) stop using CPU: a run of slow requests
 * (argon2 logins) leaves work queued in the server after wrk has gone, which would otherwise
 * slow the ceiling run that comes next on the same core.
 */
export async function waitForIdle(serverPid, { threshold = 0.05, maxMs = 15_000 } = {}) {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const t0 = process.hrtime.bigint();
    const before = serverTicks(serverPid);
    await sleep(250);
    const after = serverTicks(serverPid);
    if (before === null || after === null) return;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if ((after - before) / TICKS_PER_SECOND / seconds < threshold || Date.now() > deadline) return;
  }
}
