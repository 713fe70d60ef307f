import { Client } from 'pg';
import type { MnemoConfig } from '@mnemo/contracts';
import { cleanUpIsolated, isolatedConfig } from '@mnemo/testing';
import { prepareServiceDatabase, roleConnectionUrl, SERVICE_EXTENSIONS, serviceDatabase } from './database';
import { migrateService } from './migrations';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('service databases (real PostgreSQL)', () => {
  let config: MnemoConfig;

  beforeAll(async () => {
    config = isolatedConfig('memory');
  });

  afterAll(async () => {
    await cleanUpIsolated(config);
  });

  it('migrates once when several apps start at the same time', async () => {
    await Promise.all([prepareServiceDatabase(config, 'memory'), prepareServiceDatabase(config, 'identity'), prepareServiceDatabase(config, 'memory')]);
    const applied = await Promise.all([1, 2, 3, 4].map(() => migrateService(config, 'memory')));
    expect(applied.flat()).toEqual(['0001_event_store_tables']);
    expect(applied.filter((names) => names.length === 0)).toHaveLength(3);
    await migrateService(config, 'identity');
    const rows = await query(roleConnectionUrl(config, 'memory_owner'), 'SELECT name FROM memory.schema_migrations');
    expect(rows).toEqual([{ name: '0001_event_store_tables' }]);
  });

  it("lets an app role use its own schema and refuses another service's", async () => {
    const memoryApp = roleConnectionUrl(config, serviceDatabase('memory').appRole);
    await query(memoryApp, `INSERT INTO memory.inbox (consumer, event_id) VALUES ('c', '01939a3c-5d2e-7000-8000-000000000001')`);
    expect(await query(memoryApp, 'SELECT consumer FROM inbox')).toEqual([{ consumer: 'c' }]);
    await expect(query(memoryApp, 'SELECT * FROM identity.events')).rejects.toThrow(/permission denied/);
    await expect(query(roleConnectionUrl(config, 'identity_app'), 'SELECT * FROM memory.inbox')).rejects.toThrow(/permission denied/);
    // The app role runs DML only: no DDL in its own schema either.
    await expect(query(memoryApp, 'CREATE TABLE memory.sneaky (id int)')).rejects.toThrow(/permission denied/);
  });

  it("creates a service's extensions as the admin, usable by its roles and changeable by neither", async () => {
    await prepareServiceDatabase(config, 'memory');
    const owner = roleConnectionUrl(config, serviceDatabase('memory').ownerRole);
    const app = roleConnectionUrl(config, serviceDatabase('memory').appRole);
    const installed = (await query(owner, `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname IN ('pg_trgm', 'btree_gin') ORDER BY 1`)) as object[];
    expect(installed).toEqual(SERVICE_EXTENSIONS.memory!.map((extname) => ({ extname, nspname: 'extensions' })).sort((a, b) => a.extname.localeCompare(b.extname)));
    // The owner builds a trigram index in its own schema; the app role queries with the qualified operator.
    await query(owner, 'CREATE TABLE memory.trigram_probe (workspace_id int, body text)');
    await query(owner, 'CREATE INDEX trigram_probe_body ON memory.trigram_probe USING gin (workspace_id, body extensions.gin_trgm_ops)');
    await query(app, `INSERT INTO memory.trigram_probe VALUES (1, 'kubernetes cluster upgrade')`);
    expect(await query(app, `SELECT body FROM memory.trigram_probe WHERE 'kubernets' OPERATOR(extensions.<%) body`)).toEqual([{ body: 'kubernetes cluster upgrade' }]);
    // Neither role may add or drop extensions, nor put objects into the shared schema.
    await expect(query(owner, 'CREATE EXTENSION citext')).rejects.toThrow(/permission denied/);
    await expect(query(app, 'DROP EXTENSION pg_trgm')).rejects.toThrow(/must be owner/);
    await expect(query(owner, 'CREATE TABLE extensions.sneaky (id int)')).rejects.toThrow(/permission denied/);
    // A service without extensions gets no grant on the schema.
    await prepareServiceDatabase(config, 'identity');
    await expect(query(roleConnectionUrl(config, 'identity_app'), `SELECT extensions.similarity('a', 'b')`)).rejects.toThrow(/permission denied/);
  });
});
