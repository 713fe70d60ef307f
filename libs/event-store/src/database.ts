import { Client } from 'pg';
import type { MnemoConfig, ServiceName } from '@mnemo/contracts';

/**
 * Each service owns one PostgreSQL schema and two roles: `<svc>_owner` owns the schema and runs migrations,
 * `<svc>_app` is what the running app uses and has DML on its own schema only. No service can read another's
 * tables: the grants enforce it, not a convention.
 */
export interface ServiceDatabase {
  service: ServiceName;
  schema: string;
  ownerRole: string;
  appRole: string;
}

/**
 * PostgreSQL extensions a service's migrations need. Only the admin connection may create them (the owner roles
 * have no CREATE on the database), so `prepareServiceDatabase` does, into the shared `extensions` schema, whose
 * objects the service's roles may use but not change; SQL names them qualified (`extensions.gin_trgm_ops`,
 * `OPERATOR(extensions.<%)`), so no search_path depends on it.
 */
export const SERVICE_EXTENSIONS: Partial<Record<ServiceName, readonly string[]>> = {
  // Trigram matching of misspelt and partial search terms; btree_gin lets one GIN index lead with workspace_id.
  memory: ['pg_trgm', 'btree_gin'],
};

export const EXTENSIONS_SCHEMA = 'extensions';

export function serviceDatabase(service: ServiceName): ServiceDatabase {
  return { service, schema: service, ownerRole: `${service}_owner`, appRole: `${service}_app` };
}

/** A connection URL for one of the service roles, on the configured host and database. */
export function roleConnectionUrl(config: Pick<MnemoConfig, 'databaseUrl' | 'databaseName' | 'databaseRolePassword'>, role: string): string {
  const url = new URL(config.databaseUrl);
  url.username = role;
  url.password = config.databaseRolePassword ?? '';
  url.pathname = `/${config.databaseName}`;
  return url.toString();
}

export function adminConnectionUrl(config: Pick<MnemoConfig, 'databaseUrl' | 'databaseName'>, database?: string): string {
  const url = new URL(config.databaseUrl);
  url.pathname = `/${database ?? config.databaseName}`;
  return url.toString();
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString, application_name: 'mnemo-bootstrap' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// One cluster-wide advisory lock key for bootstrap DDL: roles are cluster objects, and CREATE DATABASE /
// CREATE ROLE race with "already exists" when several apps start at once.
const BOOTSTRAP_LOCK_KEY = 7_263_311;

/**
 * Creates the database, the service's two roles and its schema when they are missing, and (re)applies the
 * grants. Idempotent and safe to run from many processes at once.
 */
export async function prepareServiceDatabase(
  config: Pick<MnemoConfig, 'databaseUrl' | 'databaseName' | 'databaseRolePassword'>,
  service: ServiceName,
  extensions: readonly string[] = SERVICE_EXTENSIONS[service] ?? [],
): Promise<void> {
  const db = serviceDatabase(service);
  await withClient(adminConnectionUrl(config, 'postgres'), async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [config.databaseName]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(config.databaseName)}`);
      for (const role of [db.ownerRole, db.appRole]) {
        const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
        const password = config.databaseRolePassword ? ` PASSWORD ${quoteLiteral(config.databaseRolePassword)}` : '';
        if (found.rowCount === 0) await client.query(`CREATE ROLE ${quoteIdent(role)} LOGIN${password}`);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK_KEY]);
    }
  });
  await withClient(adminConnectionUrl(config), async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK_KEY]);
    try {
      const schema = quoteIdent(db.schema);
      const owner = quoteIdent(db.ownerRole);
      const app = quoteIdent(db.appRole);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${owner}`);
      await client.query(`REVOKE ALL ON DATABASE ${quoteIdent(config.databaseName)} FROM PUBLIC`);
      await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(config.databaseName)} TO ${owner}, ${app}`);
      await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${app}`);
      // Tables and sequences the owner creates later are usable by the app role, and by nobody else.
      await client.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app}`,
      );
      await client.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${app}`);
      await client.query(`ALTER ROLE ${owner} SET search_path = ${schema}`);
      await client.query(`ALTER ROLE ${app} SET search_path = ${schema}`);
      if (extensions.length > 0) {
        const extensionSchema = quoteIdent(EXTENSIONS_SCHEMA);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${extensionSchema}`);
        await client.query(`GRANT USAGE ON SCHEMA ${extensionSchema} TO ${owner}, ${app}`);
        for (const extension of extensions) await client.query(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(extension)} WITH SCHEMA ${extensionSchema}`);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK_KEY]);
    }
  });
}

/** Drops a whole test database; used by the test harness only. */
export async function dropDatabase(config: Pick<MnemoConfig, 'databaseUrl'>, databaseName: string): Promise<void> {
  await withClient(adminConnectionUrl({ databaseUrl: config.databaseUrl, databaseName }, 'postgres'), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName)} WITH (FORCE)`);
  });
}
