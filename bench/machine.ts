/** The machine a benchmark ran on: the figures mean little without it. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { TEST_DATABASE_URL, TEST_NATS_URL } from '@mnemo/testing';

export interface MachineInfo {
  os: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
  nats: string;
  gitCommit: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

const PG_SETTINGS = ['max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level'];

async function postgresInfo(): Promise<{ version: string; settings: Record<string, string> }> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, application_name: 'mnemo-bench' });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    const settings: Record<string, string> = {};
    const found = await client.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)',
      [PG_SETTINGS],
    );
    for (const row of found.rows) settings[row.name] = row.unit === '8kB' ? `${(Number(row.setting) * 8) / 1024} MB` : row.setting;
    return { version: rows[0].version, settings };
  } finally {
    await client.end();
  }
}

async function natsVersion(): Promise<string> {
  const nc = await connect({ servers: TEST_NATS_URL, name: 'mnemo-bench-info' });
  try {
    const info = nc.info;
    return info ? `nats-server ${info.version} (${info.go}, JetStream ${info.jetstream ? 'on' : 'off'}, max_payload ${info.max_payload} B)` : 'unknown';
  } finally {
    await nc.close();
  }
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  const pg = await postgresInfo();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}${os.version ? ` (${os.version()})` : ''}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    postgres: pg.version,
    postgresSettings: pg.settings,
    nats: await natsVersion(),
    gitCommit: gitCommit(),
    loadAverageAtStart: os.loadavg(),
  };
}
