import { Migration } from '@mikro-orm/migrations';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { MnemoConfig, ServiceName } from '@mnemo/contracts';
import { roleConnectionUrl, serviceDatabase } from './database';

/** The tables every event-sourced service has: events, outbox, idempotency records, inbox, checkpoints. */
export class EventStoreTables extends Migration {

  override up(): void {
    this.addSql(`
      CREATE TABLE events (
        global_position bigserial NOT NULL,
        id uuid PRIMARY KEY,
        stream_id text NOT NULL,
        stream_version integer NOT NULL CHECK (stream_version > 0),
        type text NOT NULL,
        schema_version integer NOT NULL DEFAULT 1,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        CONSTRAINT events_global_position_key UNIQUE (global_position),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
      )`);
    // position is taken in the append transaction right after the events, so it follows global_position.
    this.addSql(`
      CREATE TABLE outbox (
        position bigserial PRIMARY KEY,
        message_id uuid NOT NULL,
        subject text NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    this.addSql(`
      CREATE TABLE idempotency_records (
        workspace_id text NOT NULL,
        principal text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('in_progress', 'completed')),
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, principal, method, route, key)
      )`);
    this.addSql(`CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at)`);
    this.addSql(`
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    this.addSql(`
      CREATE TABLE projection_checkpoints (
        consumer text NOT NULL,
        stream_id text NOT NULL,
        last_version integer NOT NULL,
        PRIMARY KEY (consumer, stream_id)
      )`);
  }
}

export type MigrationClass = new (...args: ConstructorParameters<typeof EventStoreTables>) => Migration;

/** A migration and its stable name (class names do not survive every build). */
export interface ServiceMigration {
  name: string;
  class: MigrationClass;
}

const EVENT_STORE_MIGRATIONS: ServiceMigration[] = [{ name: '0001_event_store_tables', class: EventStoreTables }];

// Per-schema lock key; replicas of one service serialize on it, different services never wait for each other.
function migrationLockKey(schema: string): string {
  return `mnemo.migrate.${schema}`;
}

/**
 * Runs the service's migrations as its owner role under `pg_advisory_lock`, so N replicas starting together
 * migrate once. Returns the names of the migrations this call applied (empty when another process did).
 */
export async function migrateService(
  config: Pick<MnemoConfig, 'databaseUrl' | 'databaseName' | 'databaseRolePassword'>,
  service: ServiceName,
  migrations: ServiceMigration[] = [],
): Promise<string[]> {
  const db = serviceDatabase(service);
  const ownerUrl = roleConnectionUrl(config, db.ownerRole);
  const lock = new Client({ connectionString: ownerUrl, application_name: `mnemo-${service}-migrate-lock` });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [migrationLockKey(db.schema)]);
    const orm = await MikroORM.init({
      clientUrl: ownerUrl,
      schema: db.schema,
      entities: [],
      discovery: { warnWhenNoEntities: false },
      extensions: [Migrator],
      migrations: {
        tableName: 'schema_migrations',
        schema: db.schema,
        transactional: true,
        allOrNothing: true,
        snapshot: false,
        silent: true,
        migrationsList: [...EVENT_STORE_MIGRATIONS, ...migrations],
      },
      pool: { min: 0, max: 1 },
    });
    try {
      const applied = await orm.migrator.up();
      return applied.map((migration) => migration.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [migrationLockKey(db.schema)]).catch(() => undefined);
    await lock.end();
  }
}
