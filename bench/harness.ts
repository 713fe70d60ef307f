/**
 * The benchmark harness: timing loops, percentiles and the result shape every benchmark module returns.
 * A benchmark compares "ours" (the Mnemo code path) against a baseline measured in the same run, so the
 * figure that matters is the ratio; absolute numbers depend on the machine and are reported alongside.
 */
import { performance } from 'node:perf_hooks';

/** Knobs shared by every benchmark, read once from the environment. */
export interface BenchSettings {
  /** Measured seconds per side of every comparison (`BENCH_SECONDS`). */
  seconds: number;
  /** Warmup seconds per side before measuring (`BENCH_WARMUP_SECONDS`). */
  warmupSeconds: number;
}

/** One timed run of one operation at one concurrency. */
export interface Measurement {
  label: string;
  concurrency: number;
  durationMs: number;
  ops: number;
  errors: number;
  /** Operations completed inside the measured windows, per second. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** Ours against its baseline, same workload, same concurrency, same run. */
export interface Comparison {
  name: string;
  ours: Measurement;
  baseline: Measurement;
}

export interface Target {
  /** What is required, e.g. "RPC throughput ratio ≥ 0.5". */
  description: string;
  /** `null` when the target does not apply to what this benchmark measures (yet). */
  met: boolean | null;
  /** Why it is met, missed or not applicable. */
  explanation: string;
}

export interface Figure {
  label: string;
  value: string;
}

/** What each benchmark module returns; the report renders a list of these. */
export interface BenchmarkResult {
  id: string;
  title: string;
  /** What exactly is measured on each side. */
  setup: string[];
  comparisons: Comparison[];
  /** The headline ratio (ours / baseline) and what it means. */
  ratio: { label: string; value: number; meaning: string };
  /** Further derived figures (added latency, …). */
  figures: Figure[];
  targets: Target[];
  /** Why the numbers are what they are. */
  notes: string[];
}

export interface BenchmarkModule {
  id: string;
  title: string;
  run(settings: BenchSettings, log: (line: string) => void): Promise<BenchmarkResult>;
}

/** The value at quantile `q` (0..1) of an ascending array, nearest-rank. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Latencies of one or more timed segments, merged into a measurement. */
class Recorder {
  private latencies: number[] = [];
  private windowMs = 0;
  private completed = 0;
  private errors = 0;
  private firstError: unknown;

  add(segment: Segment): void {
    for (const latency of segment.latencies) this.latencies.push(latency);
    this.windowMs += segment.windowMs;
    this.completed += segment.completedInWindow;
    this.errors += segment.errors;
    this.firstError ??= segment.firstError;
  }

  get error(): unknown {
    return this.firstError;
  }

  measurement(label: string, concurrency: number): Measurement {
    const sorted = Float64Array.from(this.latencies).sort();
    const sum = sorted.reduce((total, value) => total + value, 0);
    return {
      label,
      concurrency,
      durationMs: this.windowMs,
      ops: this.completed,
      errors: this.errors,
      throughput: this.completed / (this.windowMs / 1000),
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      meanMs: sorted.length ? sum / sorted.length : Number.NaN,
      maxMs: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    };
  }
}

/** Any operation; `n` is unique across the whole process, so callers can derive unique ids from it. */
export type Operation = (n: number) => Promise<void>;

interface Segment {
  /** Latency of every successful operation started inside the window. */
  latencies: number[];
  windowMs: number;
  /** Successful operations that finished inside the window: the throughput numerator. */
  completedInWindow: number;
  errors: number;
  firstError: unknown;
}

let sequence = 0;

/**
 * Runs `op` in `concurrency` closed loops: each worker starts its next operation as soon as the previous one
 * finished, until the window of `ms` milliseconds closes. Throughput counts the operations that completed inside
 * the window (so all workers are busy for all of it); latency covers every operation started inside it.
 * Only successful operations count.
 */
async function timedSegment(op: Operation, concurrency: number, ms: number): Promise<Segment> {
  const latencies: number[] = [];
  let completedInWindow = 0;
  let errors = 0;
  let firstError: unknown;
  const deadline = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = sequence++;
      const t0 = performance.now();
      try {
        await op(n);
        const t1 = performance.now();
        latencies.push(t1 - t0);
        if (t1 <= deadline) completedInWindow++;
      } catch (error) {
        errors++;
        firstError ??= error;
        // Do not spin on a broken dependency.
        if (errors > 100 && errors > latencies.length) break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, windowMs: ms, completedInWindow, errors, firstError };
}

export interface CompareOptions {
  name: string;
  concurrency: number;
  settings: BenchSettings;
  baseline: { label: string; op: Operation };
  ours: { label: string; op: Operation };
  log: (line: string) => void;
}

/** Measured segments are about this long: short enough to interleave the sides often, long enough to reach a steady state. */
const TARGET_SEGMENT_MS = 1250;

/**
 * Measures baseline and ours at the same concurrency. After a warmup of each, the measured time is split into
 * A-B-B-A cycles (baseline, ours, ours, baseline), so drift and bursts of other work on the machine weigh on
 * both sides alike instead of on whichever side happened to run at the time.
 */
export async function compare(options: CompareOptions): Promise<Comparison> {
  const { concurrency, settings, log } = options;
  const sides = { baseline: options.baseline, ours: options.ours };
  const recorders = { baseline: new Recorder(), ours: new Recorder() };
  if (settings.warmupSeconds > 0) {
    for (const side of ['baseline', 'ours'] as const) {
      log(`  ${options.name}: warming up ${sides[side].label} (${settings.warmupSeconds}s)`);
      const warm = await timedSegment(sides[side].op, concurrency, settings.warmupSeconds * 1000);
      if (warm.latencies.length === 0) throw new Error(`${sides[side].label} failed every operation: ${describe(warm.firstError)}`);
    }
  }
  const perSideMs = settings.seconds * 1000;
  const cycles = Math.max(1, Math.round(perSideMs / (2 * TARGET_SEGMENT_MS)));
  const segmentMs = perSideMs / (2 * cycles);
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const rates: string[] = [];
    for (const side of ['baseline', 'ours', 'ours', 'baseline'] as const) {
      const segment = await timedSegment(sides[side].op, concurrency, segmentMs);
      recorders[side].add(segment);
      rates.push(`${side === 'ours' ? 'ours' : 'base'} ${Math.round(segment.completedInWindow / (segmentMs / 1000))}${segment.errors ? ` (${segment.errors} errors)` : ''}`);
    }
    log(`  ${options.name}: cycle ${cycle}/${cycles} ops/s: ${rates.join(', ')}`);
  }
  for (const side of ['baseline', 'ours'] as const) {
    if (recorders[side].error !== undefined) log(`  ${options.name}: first ${sides[side].label} error: ${describe(recorders[side].error)}`);
  }
  return {
    name: options.name,
    baseline: recorders.baseline.measurement(sides.baseline.label, concurrency),
    ours: recorders.ours.measurement(sides.ours.label, concurrency),
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ratioOf(comparison: Comparison): number {
  return comparison.ours.throughput / comparison.baseline.throughput;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number of seconds, got "${raw}"`);
    return value;
  };
  const seconds = read('BENCH_SECONDS', 5);
  if (seconds <= 0) throw new Error('BENCH_SECONDS must be greater than 0');
  return { seconds, warmupSeconds: read('BENCH_WARMUP_SECONDS', 1) };
}
