import type { MemoryResource, Scope } from '@mnemo/contracts';
import { Client } from 'pg';
import { api, mintKey, signUp, testStack, TEST_DATABASE_URL, type ApiResponse, type TestUser } from '@mnemo/testing';

/** A fresh workspace with its owner and a read/write key: tests never share memories. */
export interface MemoryWorkspace {
  owner: TestUser;
  workspaceId: number;
  key: string;
}

export async function memoryWorkspace(scopes: Scope[] = ['memory:read', 'memory:write']): Promise<MemoryWorkspace> {
  const owner = await signUp();
  const key = await mintKey(owner.token, owner.workspace.workspace_id, scopes);
  return { owner, workspaceId: owner.workspace.workspace_id, key: key.key };
}

export async function remember(token: string, body: Record<string, unknown>): Promise<MemoryResource> {
  const response = await api<MemoryResource>('POST', '/v1/memories', { token, body });
  if (response.status !== 201 && response.status !== 200) throw new Error(`write failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export function search(token: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return api('POST', '/v1/memories/search', { token, body });
}

export const bare = (uuid: string) => uuid.replace(/^urn:uuid:/, '');

/** Reads the memory service's tables directly, as the database superuser (tests only). */
export async function memoryTable<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${testStack().databaseName}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
