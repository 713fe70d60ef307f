import { currentNavigation, type Reachable } from './navigation-state';

const user = '0190a000-0000-7000-8000-000000000001';
const orgA = '0190a000-0000-7000-8000-00000000000a';
const orgB = '0190a000-0000-7000-8000-00000000000b';
const reachable: Reachable = {
  workspaces: [
    { workspaceId: 3, organizationId: orgB, personal: false, createdBy: 'someone else' },
    { workspaceId: 7, organizationId: orgA, personal: true, createdBy: user },
    { workspaceId: 9, organizationId: orgA, personal: false, createdBy: user },
  ],
  organizationIds: [orgA, orgB],
};

describe('currentNavigation', () => {
  it('defaults to the personal workspace and its organization', () => {
    expect(currentNavigation(user, { organizationId: null, workspaceId: null }, reachable)).toEqual({ organizationId: orgA, workspaceId: 7 });
  });

  it('keeps a reachable choice', () => {
    expect(currentNavigation(user, { organizationId: orgB, workspaceId: 3 }, reachable)).toEqual({ organizationId: orgB, workspaceId: 3 });
  });

  it('picks a workspace of the chosen organization when only the organization was chosen', () => {
    expect(currentNavigation(user, { organizationId: orgB, workspaceId: null }, reachable)).toEqual({ organizationId: orgB, workspaceId: 3 });
  });

  it('falls back to the default when the chosen workspace is no longer reachable', () => {
    expect(currentNavigation(user, { organizationId: null, workspaceId: 42 }, reachable)).toEqual({ organizationId: orgA, workspaceId: 7 });
  });

  it('answers nulls for a user who reaches nothing', () => {
    expect(currentNavigation(user, { organizationId: orgA, workspaceId: 7 }, { workspaces: [], organizationIds: [] })).toEqual({ organizationId: null, workspaceId: null });
  });
});
