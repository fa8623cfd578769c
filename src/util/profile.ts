import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Where a cold run spends its time, phase by phase (`msplit infer --profile`). Library code marks
 * phases with `phase`/`phaseSync`; they cost nothing unless a caller runs it under `withProfile`.
 * Phases nest: time spent in an inner phase counts for the inner one only. CPU time is the whole
 * process's (all threads: onnxruntime's and workers' too), from `process.cpuUsage()`.
 */

export interface PhaseTiming {
  name: string;
  wallMs: number;
  cpuMs: number;
  /** How many times the phase was entered. */
  count: number;
}

interface Frame {
  wall: number;
  cpu: number;
  /** Time spent in nested phases, subtracted from this one. */
  innerWall: number;
  innerCpu: number;
}

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** Wall and CPU clocks in milliseconds. */
export type Clock = () => { wall: number; cpu: number };

const processClock: Clock = () => ({ wall: performance.now(), cpu: cpuMs() });

export class Profile {
  private readonly totals = new Map<string, PhaseTiming>();
  private readonly stack: Frame[] = [];

  constructor(private readonly clock: Clock = processClock) {}

  /** Adds time measured elsewhere (process start, a worker's own timings). */
  add(name: string, wallMs: number, cpu: number, count = 1): void {
    const t = this.totals.get(name);
    if (t) {
      t.wallMs += wallMs;
      t.cpuMs += cpu;
      t.count += count;
    } else this.totals.set(name, { name, wallMs, cpuMs: cpu, count });
  }

  enter(name: string): Frame {
    if (!this.totals.has(name)) this.totals.set(name, { name, wallMs: 0, cpuMs: 0, count: 0 });
    const frame = { ...this.clock(), innerWall: 0, innerCpu: 0 };
    this.stack.push(frame);
    return frame;
  }

  exit(frame: Frame, name: string): void {
    const now = this.clock();
    const wall = now.wall - frame.wall;
    const cpu = now.cpu - frame.cpu;
    const i = this.stack.lastIndexOf(frame);
    if (i >= 0) this.stack.splice(i, 1);
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      parent.innerWall += wall;
      parent.innerCpu += cpu;
    }
    this.add(name, wall - frame.innerWall, cpu - frame.innerCpu);
  }

  /** Phases in the order they were first entered. */
  phases(): PhaseTiming[] {
    return [...this.totals.values()].map((t) => ({ ...t }));
  }
}

const active = new AsyncLocalStorage<Profile>();

/** Runs `fn` with `profile` collecting the phases marked inside it (a no-op without a profile). */
export function withProfile<T>(profile: Profile | undefined, fn: () => Promise<T>): Promise<T> {
  return profile ? active.run(profile, fn) : fn();
}

export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const p = active.getStore();
  if (!p) return fn();
  const frame = p.enter(name);
  try {
    return await fn();
  } finally {
    p.exit(frame, name);
  }
}

export function phaseSync<T>(name: string, fn: () => T): T {
  const p = active.getStore();
  if (!p) return fn();
  const frame = p.enter(name);
  try {
    return fn();
  } finally {
    p.exit(frame, name);
  }
}

/**
 * What happened before the command ran, from process start: node's own start-up (from
 * `performance.nodeTiming`; its CPU time is not measurable apart and counts under "modules"),
 * then loading modules and parsing arguments, up to now (the command's first step).
 */
export function addProcessStart(profile: Profile): void {
  const start = { wallMs: performance.now(), cpuMs: cpuMs() };
  const boot = performance.nodeTiming.bootstrapComplete;
  profile.add("node start", boot, Number.NaN);
  profile.add("modules", start.wallMs - boot, start.cpuMs);
}

/** A table for humans: one line per phase, then the sum and the wall time since process start. */
export function formatProfile(phases: readonly PhaseTiming[]): string {
  const rows = phases.map((p) => [p.name + (p.count > 1 ? ` (x${p.count})` : ""), p.wallMs, p.cpuMs] as const);
  const wallSum = phases.reduce((s, p) => s + p.wallMs, 0);
  const cpuSum = phases.reduce((s, p) => s + (Number.isNaN(p.cpuMs) ? 0 : p.cpuMs), 0);
  const width = Math.max(12, ...rows.map((r) => r[0].length));
  const num = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(1)).padStart(9);
  const lines = [`${"phase".padEnd(width)}  ${"wall ms".padStart(9)}  ${"cpu ms".padStart(9)}`];
  for (const [name, wall, cpu] of rows) lines.push(`${name.padEnd(width)}  ${num(wall)}  ${num(cpu)}`);
  lines.push(`${"sum".padEnd(width)}  ${num(wallSum)}  ${num(cpuSum)}`);
  lines.push(`${"since start".padEnd(width)}  ${num(performance.now())}  ${num(cpuMs())}`);
  return lines.join("\n");
}
