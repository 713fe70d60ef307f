import { randomBytes } from 'node:crypto';
import type { ApiKeyResource, OrganizationResource, Scope, UserResource, WorkspaceResource } from '@mnemo/contracts';
import { testStack } from './environment';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  workspace?: number | string;
  /** The client address the gateway sees (it trusts X-Forwarded-For in tests). */
  ip?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  /**
   * Wait out a 429 from the per-workspace request rate (honouring Retry-After) and send again, as a
   * well-behaved client does. On by default: only tests of that limit itself turn it off.
   */
  retryRateLimited?: boolean;
}

/** A documentation-range address unique enough that tests never share a per-IP rate limit by accident. */
export function randomClientIp(): string {
  const bytes = randomBytes(2);
  return `198.18.${bytes[0]}.${bytes[1]}`;
}

/** Calls the test stack's gateway over HTTP, as a client would. */
export async function api<T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { 'x-forwarded-for': options.ip ?? randomClientIp(), ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.workspace !== undefined) headers['mnemo-workspace'] = String(options.workspace);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${testStack().gatewayUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const result = { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    if (options.retryRateLimited !== false && result.status === 429 && result.body?.error?.details?.rule === 'workspace-rps' && attempt < 8) {
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    return result;
  }
}

export interface TestUser {
  email: string;
  password: string;
  token: string;
  user: UserResource;
  workspace: WorkspaceResource;
  organization: OrganizationResource;
}

let counter = 0;

/** Signs a fresh user up through the gateway; each gets a personal organization and workspace. */
export async function signUp(overrides: { email?: string; password?: string; name?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user-${Date.now().toString(36)}-${process.pid}-${counter++}-${randomBytes(3).toString('hex')}@example.com`;
  const password = overrides.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const response = await api('POST', '/v1/auth/signup', { body: { email, password, ...(overrides.name ? { name: overrides.name } : {}) } });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { email, password, ...response.body };
}

/** Mints an API key for a workspace with a session (or key) that may. */
export async function mintKey(token: string, workspaceId: number, scopes: Scope[], extra: { agent_id?: string; name?: string; expires_at?: string } = {}): Promise<ApiKeyResource & { key: string }> {
  const response = await api('POST', `/v1/workspaces/${workspaceId}/api-keys`, { token, body: { name: extra.name ?? 'test key', scopes, ...extra } });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
