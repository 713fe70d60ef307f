import type { WorkspaceCreated, WorkspaceEvent } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { workspaceDecider, type WorkspaceCommand } from './workspace.decide';
import { evolveWorkspace, initialWorkspaceState } from './workspace.evolve';

const organizationId = '01900000-0000-7000-8000-000000000001';
const ada = '01900000-0000-7000-8000-0000000000ad';
const digest = 'a'.repeat(64);

const create = (overrides: Partial<WorkspaceCommand> = {}): WorkspaceCommand => ({
  type: 'CreateWorkspace',
  workspaceId: 42,
  organizationId,
  name: "Ada's workspace",
  slug: 'adas-workspace',
  domain: null,
  planName: 'free',
  billingCycle: 'monthly',
  enabledProviders: ['openai'],
  joinCodeSha256: digest,
  personal: true,
  createdBy: ada,
  ...overrides,
});

const createdData: WorkspaceCreated = {
  workspace_id: 42,
  organization_id: organizationId,
  name: "Ada's workspace",
  slug: 'adas-workspace',
  domain: null,
  icon_storage_id: null,
  status: 'active',
  plan_name: 'free',
  billing_cycle: 'monthly',
  enabled_providers: ['openai'],
  join_code_sha256: digest,
  join_code_expires_at: null,
  personal: true,
  created_by: ada,
};
const created: WorkspaceEvent = { type: 'workspace.created', data: createdData };

describe('workspace', () => {
  it('starts active on the free plan, with a join code from creation', () => {
    given(workspaceDecider, []).when(create()).then([created]);
  });

  it('waits for its first payment when created on a paid plan', () => {
    given(workspaceDecider, [])
      .when(create({ planName: 'pro', billingCycle: 'annual' }))
      .then([{ type: 'workspace.created', data: { ...createdData, plan_name: 'pro', billing_cycle: 'annual', status: 'pending_payment' } }]);
  });

  it('cannot be created twice', () => {
    given(workspaceDecider, [created]).when(create()).thenFails('CONFLICT');
  });

  it.each([
    ['a one-character name', { name: 'A' }, 'name'],
    ['a 51-character name', { name: 'x'.repeat(51) }, 'name'],
    ['a slug with an underscore', { slug: 'ada_ws' }, 'slug'],
    ['a 51-character slug', { slug: 'a'.repeat(51) }, 'slug'],
    ['a one-character domain', { domain: 'a' }, 'domain'],
    ['no providers', { enabledProviders: [] }, 'enabled_providers'],
    ['an unknown provider', { enabledProviders: ['openai', 'skynet'] as never }, 'enabled_providers'],
    ['a provider twice', { enabledProviders: ['openai', 'openai'] as never }, 'enabled_providers'],
  ])('refuses %s', (_, overrides, field) => {
    given(workspaceDecider, []).when(create(overrides as Partial<WorkspaceCommand>)).thenFails('VALIDATION_ERROR', { field });
  });

  it('evolves into the created workspace', () => {
    expect(evolveWorkspace(initialWorkspaceState, created)).toMatchObject({
      exists: true,
      workspaceId: 42,
      organizationId,
      status: 'active',
      planName: 'free',
      enabledProviders: ['openai'],
      joinCodeSha256: digest,
    });
  });
});
