import type { ContextSpaceResource, MemoryResource, PlanName, Scope } from '@mnemo/contracts';
import { api, eventually, mintKey, signUp, testStack, type ApiResponse, type TestUser } from '@mnemo/testing';

/** Calls the gateway's admin port as an operator. */
export async function operator(method: 'POST' | 'PUT', path: string, body: Record<string, unknown>): Promise<ApiResponse> {
  const stack = testStack();
  const response = await fetch(`${stack.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Puts a workspace on a plan (operators' override: no payment). */
export async function setPlan(workspaceId: number, plan: PlanName): Promise<void> {
  const response = await operator('PUT', `/admin/workspaces/${workspaceId}/plan`, { plan_name: plan, reason: 'cross-tenant test' });
  if (response.status !== 200) throw new Error(`plan override failed: ${response.status} ${JSON.stringify(response.body)}`);
}

/** A workspace with its owner (session: every scope, spaces:admin included). */
export interface Tenant {
  owner: TestUser;
  id: number;
  session: string;
  /** Unbound key without spaces:admin. */
  unbound: string;
  /** Key bound to `agent-1`. */
  agent1: string;
  /** Key bound to `agent-2`, an agent no space lists. */
  agent2: string;
}

const READ_WRITE: Scope[] = ['memory:read', 'memory:write'];

export async function tenant(plan?: PlanName): Promise<Tenant> {
  const owner = await signUp();
  const id = owner.workspace.workspace_id;
  if (plan) await setPlan(id, plan);
  const [unbound, agent1, agent2] = await Promise.all([
    mintKey(owner.token, id, READ_WRITE),
    mintKey(owner.token, id, READ_WRITE, { agent_id: 'agent-1' }),
    mintKey(owner.token, id, READ_WRITE, { agent_id: 'agent-2' }),
  ]);
  return { owner, id, session: owner.token, unbound: unbound.key, agent1: agent1.key, agent2: agent2.key };
}

/** Calls as a tenant's session (which names its workspace) or key. */
export function as(t: Tenant, credential: 'session' | 'unbound' | 'agent1' | 'agent2') {
  const token = t[credential];
  const workspace = credential === 'session' ? t.id : undefined;
  return (method: string, path: string, body?: unknown) => api(method, path, { token, workspace, body });
}

export async function createSpace(owner: Tenant, body: Record<string, unknown>): Promise<ContextSpaceResource> {
  const response = await as(owner, 'session')('POST', '/v1/context-spaces', body);
  if (response.status !== 201) throw new Error(`space creation failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function rememberIn(owner: Tenant, spaceId: string | null, observation: string): Promise<MemoryResource> {
  const response = await as(owner, 'session')('POST', '/v1/memories', { observation, ...(spaceId ? { space_id: spaceId } : {}), tags: ['xt'] });
  if (response.status !== 201) throw new Error(`write failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * Waits until a grantee can read the space: the memory service learns the owner's plan from the workspaces
 * stream (a projection), a few milliseconds after the operator set it.
 */
export async function untilReadable(read: () => Promise<ApiResponse>): Promise<ApiResponse> {
  return eventually(async () => {
    const response = await read();
    return response.status === 200 ? response : undefined;
  }, 15_000, 'the grant to become readable');
}
