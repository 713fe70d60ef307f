import { api, mintKey, signUp } from '@mnemo/testing';
import { uniqueName } from './helpers';

describe('navigation state (/v1/navigation-state)', () => {
  it('defaults to the personal workspace and its organization, listing what the user reaches', async () => {
    const ada = await signUp();
    const state = await api('GET', '/v1/navigation-state', { token: ada.token });
    expect(state.status).toBe(200);
    expect(state.body).toEqual({
      current_organization: ada.organization,
      current_workspace: ada.workspace,
      organizations: [ada.organization],
      workspaces: [ada.workspace],
    });
  });

  it('keeps the workspace a PUT chose, with its organization, for later GETs', async () => {
    const ada = await signUp();
    const created = await api('POST', '/v1/workspaces', { token: ada.token, body: { name: uniqueName('Nav') } });
    expect(created.status).toBe(201);
    const { workspace, organization } = created.body;
    const put = await api('PUT', '/v1/navigation-state', { token: ada.token, body: { workspace_id: workspace.workspace_id } });
    expect(put.status).toBe(200);
    expect(put.body.current_workspace).toEqual(workspace);
    expect(put.body.current_organization).toEqual(organization);
    const read = await api('GET', '/v1/navigation-state', { token: ada.token });
    expect(read.body).toEqual(put.body);
    expect(read.body.workspaces.map((w: { workspace_id: number }) => w.workspace_id)).toEqual([ada.workspace.workspace_id, workspace.workspace_id]);
    expect(read.body.organizations.map((o: { id: string }) => o.id).sort()).toEqual([ada.organization.id, organization.id].sort());

    // Choosing an organization alone makes its default workspace current.
    const back = await api('PUT', '/v1/navigation-state', { token: ada.token, body: { organization_id: ada.organization.id } });
    expect(back.status).toBe(200);
    expect(back.body.current_organization.id).toBe(ada.organization.id);
    expect(back.body.current_workspace.workspace_id).toBe(ada.workspace.workspace_id);
  });

  it('answers 404 for a workspace or organization the user does not reach, and changes nothing', async () => {
    const ada = await signUp();
    const eve = await signUp();
    const foreignWorkspace = await api('PUT', '/v1/navigation-state', { token: ada.token, body: { workspace_id: eve.workspace.workspace_id } });
    expect(foreignWorkspace.status).toBe(404);
    expect(foreignWorkspace.body.error.code).toBe('NOT_FOUND');
    const foreignOrganization = await api('PUT', '/v1/navigation-state', { token: ada.token, body: { organization_id: eve.organization.id } });
    expect(foreignOrganization.status).toBe(404);
    expect((await api('PUT', '/v1/navigation-state', { token: ada.token, body: { workspace_id: 2_147_483_647 } })).status).toBe(404);
    const state = await api('GET', '/v1/navigation-state', { token: ada.token });
    expect(state.body.current_workspace.workspace_id).toBe(ada.workspace.workspace_id);
    expect(state.body.workspaces).toEqual([ada.workspace]);
  });

  it('refuses malformed bodies with 400 and API keys with 403', async () => {
    const ada = await signUp();
    expect((await api('PUT', '/v1/navigation-state', { token: ada.token, body: { workspace_id: 'one' } })).status).toBe(400);
    expect((await api('PUT', '/v1/navigation-state', { token: ada.token, body: { theme: 'dark' } })).status).toBe(400);
    const key = await mintKey(ada.token, ada.workspace.workspace_id, ['workspace:admin']);
    expect((await api('GET', '/v1/navigation-state', { token: key.key })).status).toBe(403);
  });
});
