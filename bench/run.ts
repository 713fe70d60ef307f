/**
 * `npm run bench`: runs every benchmark module in turn, prints progress, and writes docs/benchmarks.md.
 * Add a benchmark by writing a module that returns a `BenchmarkResult` and listing it in `BENCHMARKS`.
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { startTelemetry, stopTelemetry } from '@mnemo/observability';
import { appendToStreamBenchmark } from './append-to-stream';
import { gatewayAuthBenchmark } from './gateway-auth';
import { describe, readSettings, type BenchmarkModule, type BenchmarkResult } from './harness';
import { machineInfo } from './machine';
import { memorySearchBenchmark } from './memory-search';
import { memoryWritesBenchmark } from './memory-writes';
import { natsRpcBenchmark } from './nats-rpc';
import { renderReport, type FailedBenchmark } from './report';

export const BENCHMARKS: BenchmarkModule[] = [appendToStreamBenchmark, natsRpcBenchmark, gatewayAuthBenchmark, memoryWritesBenchmark, memorySearchBenchmark];

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const startedAt = new Date();
  const settings = readSettings();
  const only = process.env.BENCH_ONLY?.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = only?.filter((id) => !BENCHMARKS.some((b) => b.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown benchmarks: ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.id).join(', ')})`);
  const selected = only ? BENCHMARKS.filter((b) => only.includes(b.id)) : BENCHMARKS;
  const output = resolve(process.env.BENCH_OUTPUT ?? 'docs/benchmarks.md');

  // Spans are created and discarded, as in a service running without an OTLP endpoint.
  startTelemetry({ app: 'memory', otelEndpoint: undefined });
  log('mnemo bench: collecting machine information');
  const machine = await machineInfo();
  log(`  ${machine.os}; ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB; Node ${machine.node}`);
  log(`  ${machine.postgres.split(' on ')[0]}; ${machine.nats}; load average ${machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}`);
  log(`  ${settings.warmupSeconds}s warmup + ${settings.seconds}s measured per side`);

  const results: BenchmarkResult[] = [];
  const failures: FailedBenchmark[] = [];
  for (const [index, benchmark] of selected.entries()) {
    log(`[${index + 1}/${selected.length}] ${benchmark.id}: ${benchmark.title.replace(/`/g, '')}`);
    const t0 = Date.now();
    try {
      const result = await benchmark.run(settings, log);
      results.push(result);
      log(`  => ratio ${result.ratio.value.toFixed(3)} (${result.ratio.label}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      for (const comparison of result.comparisons) {
        for (const m of [comparison.baseline, comparison.ours]) {
          log(`     ${comparison.name} ${m.label}: ${Math.round(m.throughput)} ops/s, p50 ${m.p50Ms.toFixed(3)} ms, p99 ${m.p99Ms.toFixed(3)} ms`);
        }
      }
      for (const figure of result.figures) log(`     ${figure.label}: ${figure.value}`);
      for (const target of result.targets) {
        log(`     target ${target.description}: ${target.met === null ? 'not applicable' : target.met ? 'met' : 'MISSED'}`);
      }
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : describe(error);
      failures.push({ id: benchmark.id, title: benchmark.title, error: message });
      log(`  => FAILED: ${message}`);
    }
  }
  machine.loadAverageAtEnd = os.loadavg();

  const markdown = renderReport({ startedAt, finishedAt: new Date(), settings, machine, results, failures, only });
  await mkdir(dirname(output), { recursive: true });
  await writeFile(output, markdown);
  log(`wrote ${output}`);
  await stopTelemetry();
  return failures.length > 0 ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
    // Everything is closed by now; if a handle still holds the loop, say so and leave anyway.
    setTimeout(() => {
      process.stderr.write('bench: something still holds the event loop after the run; exiting anyway\n');
      process.exit(code);
    }, 10_000).unref();
  })
  .catch((error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
