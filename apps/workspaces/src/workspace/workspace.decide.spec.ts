import { WORKSPACE_LIMITS, type WorkspaceCreated, type WorkspaceEvent, type WorkspaceRole } from '@mnemo/contracts';
import { given } from '../../test/given-when-then';
import { workspaceDecider, type WorkspaceCommand } from './workspace.decide';
import { evolveWorkspace, initialWorkspaceState } from './workspace.evolve';

const organizationId = '01900000-0000-7000-8000-000000000001';
const ada = '01900000-0000-7000-8000-0000000000ad';
const digest = 'a'.repeat(64);

type CreateWorkspace = Extract<WorkspaceCommand, { type: 'CreateWorkspace' }>;
const create = (overrides: Partial<CreateWorkspace> = {}): WorkspaceCommand => ({
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
  periodStart: '2026-01-10T08:00:00.000Z',
  periodEnd: '2026-02-10T08:00:00.000Z',
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
const firstPeriod: WorkspaceEvent = {
  type: 'workspace.period_started',
  data: { workspace_id: 42, period_start: '2026-01-10T08:00:00.000Z', period_end: '2026-02-10T08:00:00.000Z' },
};

describe('workspace', () => {
  it('starts active on the free plan, with a join code and its first usage period from creation', () => {
    given(workspaceDecider, []).when(create()).then([created, firstPeriod]);
  });

  it('waits for its first payment when created on a paid plan', () => {
    given(workspaceDecider, [])
      .when(create({ planName: 'pro', billingCycle: 'annual' }))
      .then([{ type: 'workspace.created', data: { ...createdData, plan_name: 'pro', billing_cycle: 'annual', status: 'pending_payment' } }, firstPeriod]);
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
    ['a first period that ends before it starts', { periodEnd: '2026-01-10T07:59:59.999Z' }, 'period'],
  ])('refuses %s', (_, overrides, field) => {
    given(workspaceDecider, []).when(create(overrides as Partial<CreateWorkspace>)).thenFails('VALIDATION_ERROR', { field });
  });

  it('keeps the domain of a workspace in a new organization within 2–50 characters, and in an existing one within 2–256', () => {
    const withDomain = (domain: string, domainLimit?: { min: number; max: number }) => create({ domain, ...(domainLimit ? { domainLimit } : {}) });
    const accepted = (domain: string): WorkspaceEvent[] => [{ type: 'workspace.created', data: { ...createdData, domain } }, firstPeriod];
    given(workspaceDecider, []).when(withDomain('x'.repeat(50), WORKSPACE_LIMITS.newOrganizationDomain)).then(accepted('x'.repeat(50)));
    given(workspaceDecider, []).when(withDomain('x'.repeat(51), WORKSPACE_LIMITS.newOrganizationDomain)).thenFails('VALIDATION_ERROR', { field: 'domain' });
    given(workspaceDecider, []).when(withDomain('x'.repeat(256), WORKSPACE_LIMITS.domain)).then(accepted('x'.repeat(256)));
    given(workspaceDecider, []).when(withDomain('x'.repeat(257), WORKSPACE_LIMITS.domain)).thenFails('VALIDATION_ERROR', { field: 'domain' });
    given(workspaceDecider, []).when(withDomain('ab')).then(accepted('ab'));
  });

  describe('details (workspace-api updateDetails)', () => {
    const update = (fields: { name?: string; domain?: string | null; iconStorageId?: string | null }, actorRole: WorkspaceRole = 'owner'): WorkspaceCommand => ({
      type: 'UpdateWorkspaceDetails',
      actorRole,
      ...fields,
    });

    it('lets an owner rename within 2–80 characters (longer than at creation)', () => {
      for (const name of ['Ab', 'x'.repeat(80)]) {
        given(workspaceDecider, [created]).when(update({ name })).then([{ type: 'workspace.details_updated', data: { workspace_id: 42, name, domain: null, icon_storage_id: null } }]);
      }
      given(workspaceDecider, [created]).when(update({ name: 'A' })).thenFails('VALIDATION_ERROR', { field: 'name' });
      given(workspaceDecider, [created]).when(update({ name: 'x'.repeat(81) })).thenFails('VALIDATION_ERROR', { field: 'name' });
    });

    it('sets the domain within 2–256 characters, and clears it with null', () => {
      given(workspaceDecider, [created]).when(update({ domain: 'x'.repeat(256) })).then([
        { type: 'workspace.details_updated', data: { workspace_id: 42, name: "Ada's workspace", domain: 'x'.repeat(256), icon_storage_id: null } },
      ]);
      given(workspaceDecider, [created]).when(update({ domain: 'x'.repeat(257) })).thenFails('VALIDATION_ERROR', { field: 'domain' });
      given(workspaceDecider, [created]).when(update({ domain: 'x' })).thenFails('VALIDATION_ERROR', { field: 'domain' });
      const withDomain: WorkspaceEvent = { type: 'workspace.details_updated', data: { workspace_id: 42, name: "Ada's workspace", domain: 'ada.dev' } };
      given(workspaceDecider, [created, withDomain]).when(update({ domain: null })).then([
        { type: 'workspace.details_updated', data: { workspace_id: 42, name: "Ada's workspace", domain: null, icon_storage_id: null } },
      ]);
    });

    it('sets the icon (an upload the handler checked) and removes it with null, keeping the other details', () => {
      const icon = '6f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70';
      const withIcon: WorkspaceEvent = { type: 'workspace.details_updated', data: { workspace_id: 42, name: "Ada's workspace", domain: null, icon_storage_id: icon } };
      given(workspaceDecider, [created]).when(update({ iconStorageId: icon })).then([withIcon]);
      given(workspaceDecider, [created, withIcon]).when(update({ iconStorageId: icon })).then([]);
      given(workspaceDecider, [created, withIcon]).when(update({ name: 'Renamed' })).then([
        { type: 'workspace.details_updated', data: { workspace_id: 42, name: 'Renamed', domain: null, icon_storage_id: icon } },
      ]);
      given(workspaceDecider, [created, withIcon]).when(update({ iconStorageId: null })).then([
        { type: 'workspace.details_updated', data: { workspace_id: 42, name: "Ada's workspace", domain: null, icon_storage_id: null } },
      ]);
      given(workspaceDecider, [created]).when(update({ iconStorageId: icon }, 'admin')).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it.each(['admin', 'member', 'viewer'] as const)('is refused to a %s', (role) => {
      given(workspaceDecider, [created]).when(update({ name: 'Mine now' }, role)).thenFails('FORBIDDEN', { required_role: 'owner' });
    });

    it('needs something to change, and changes nothing when the values are the same', () => {
      given(workspaceDecider, [created]).when(update({})).thenFails('VALIDATION_ERROR');
      given(workspaceDecider, [created]).when(update({ name: "Ada's workspace", domain: null })).then([]);
    });
  });

  describe('providers (workspace-api setEnabledProviders)', () => {
    const set = (providers: string[], actorRole: WorkspaceRole = 'admin'): WorkspaceCommand => ({
      type: 'SetEnabledProviders',
      providers: providers as never,
      actorRole,
    });

    it('lets owners and admins choose at least one of the six, each once', () => {
      const all = ['openai', 'anthropic', 'google', 'perplexity', 'mistral', 'cohere'];
      given(workspaceDecider, [created]).when(set(all)).then([{ type: 'workspace.providers_set', data: { workspace_id: 42, enabled_providers: all as never } }]);
      given(workspaceDecider, [created]).when(set(['anthropic'], 'owner')).then([{ type: 'workspace.providers_set', data: { workspace_id: 42, enabled_providers: ['anthropic'] } }]);
      given(workspaceDecider, [created]).when(set(['openai'])).then([]);
    });

    it.each([
      ['none', []],
      ['an unknown one', ['openai', 'skynet']],
      ['one twice', ['openai', 'openai']],
    ])('refuses %s', (_, providers) => {
      given(workspaceDecider, [created]).when(set(providers)).thenFails('VALIDATION_ERROR', { field: 'enabled_providers' });
    });

    it.each(['member', 'viewer'] as const)('is refused to a %s', (role) => {
      given(workspaceDecider, [created]).when(set(['anthropic'], role)).thenFails('FORBIDDEN', { required_role: 'admin' });
    });
  });

  describe('join code', () => {
    const now = '2026-01-01T00:00:00.000Z';
    const rotate = (expiresAt: string | null, actorRole: WorkspaceRole = 'admin'): WorkspaceCommand => ({
      type: 'RotateJoinCode',
      joinCodeSha256: 'b'.repeat(64),
      expiresAt,
      now,
      actorRole,
    });

    it('is rotated by owners and admins, with an optional expiry in the future', () => {
      given(workspaceDecider, [created]).when(rotate(null)).then([
        { type: 'workspace.join_code_rotated', data: { workspace_id: 42, join_code_sha256: 'b'.repeat(64), join_code_expires_at: null } },
      ]);
      given(workspaceDecider, [created]).when(rotate('2026-01-01T00:00:01.000Z', 'owner')).then([
        { type: 'workspace.join_code_rotated', data: { workspace_id: 42, join_code_sha256: 'b'.repeat(64), join_code_expires_at: '2026-01-01T00:00:01.000Z' } },
      ]);
    });

    it('refuses an expiry that is not in the future, and members', () => {
      given(workspaceDecider, [created]).when(rotate(now)).thenFails('VALIDATION_ERROR', { field: 'expires_at' });
      given(workspaceDecider, [created]).when(rotate(null, 'member')).thenFails('FORBIDDEN');
    });
  });

  describe('deletion', () => {
    it('happens in an account erasure, with the erasure id; owners only otherwise', () => {
      given(workspaceDecider, [created]).when({ type: 'DeleteWorkspace', actorRole: null, erasureId: 'erasure-1' }).then([
        { type: 'workspace.deleted', data: { workspace_id: 42, organization_id: organizationId, erasure_id: 'erasure-1' } },
      ]);
      given(workspaceDecider, [created]).when({ type: 'DeleteWorkspace', actorRole: 'admin', erasureId: null }).thenFails('FORBIDDEN');
    });

    it('leaves a workspace that answers NOT_FOUND to every later command and cannot be created again', () => {
      const deleted: WorkspaceEvent[] = [created, { type: 'workspace.deleted', data: { workspace_id: 42, organization_id: organizationId, erasure_id: null } }];
      given(workspaceDecider, deleted).when({ type: 'UpdateWorkspaceDetails', name: 'Back', actorRole: 'owner' }).thenFails('NOT_FOUND');
      given(workspaceDecider, deleted).when(create()).thenFails('CONFLICT');
      given(workspaceDecider, []).when({ type: 'SetEnabledProviders', providers: ['openai'], actorRole: 'owner' }).thenFails('NOT_FOUND');
    });
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
    const later: WorkspaceEvent[] = [
      created,
      { type: 'workspace.details_updated', data: { workspace_id: 42, name: 'Renamed', domain: 'ada.dev' } },
      { type: 'workspace.providers_set', data: { workspace_id: 42, enabled_providers: ['cohere'] } },
      { type: 'workspace.join_code_rotated', data: { workspace_id: 42, join_code_sha256: 'c'.repeat(64), join_code_expires_at: '2030-01-01T00:00:00.000Z' } },
    ];
    expect(later.reduce(evolveWorkspace, initialWorkspaceState)).toMatchObject({
      name: 'Renamed',
      domain: 'ada.dev',
      enabledProviders: ['cohere'],
      joinCodeSha256: 'c'.repeat(64),
      joinCodeExpiresAt: '2030-01-01T00:00:00.000Z',
    });
  });
});
