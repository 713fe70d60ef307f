import { api, eventually, signUp } from '@mnemo/testing';
import { addByInvitation } from './helpers';

describe('account deletion and workspaces', () => {
  it('is refused while the user alone owns a workspace that has other members; possible once another owner exists', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await addByInvitation(ada, bob, 'member');
    const refused = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({
      workspaces: [{ workspace_id: ada.workspace.workspace_id, name: ada.workspace.name }],
      organizations: [{ id: ada.organization.id, name: ada.organization.name }],
    });
    expect((await api('GET', '/v1/auth/whoami', { token: ada.token })).status).toBe(200);

    // Bob becomes an owner of the workspace and of the organization (his email has to be verified for the latter).
    expect((await api('PATCH', `/v1/workspaces/${ada.workspace.workspace_id}/members/${bob.user.id}`, { token: ada.token, body: { role: 'owner' } })).status).toBe(200);
    const stillOrganization = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(stillOrganization.status).toBe(409);
    expect(stillOrganization.body.error.details.workspaces).toEqual([]);
  });

  it('erases the workspaces the user was alone in, and leaves shared ones to their other owners', async () => {
    const ada = await signUp();
    const bob = await signUp();
    await addByInvitation(ada, bob, 'admin');
    const deleted = await api('DELETE', '/v1/account', { token: bob.token, body: { password: bob.password } });
    expect(deleted.status).toBe(202);
    await eventually(
      async () => ((await api('GET', `/v1/account/erasure/${deleted.body.erasure_id}`)).body.services?.workspaces === 'done' ? true : undefined),
      15_000,
      'the workspaces step of the erasure',
    );
    expect((await api('GET', `/v1/workspaces/${bob.workspace.workspace_id}`, { token: ada.token })).status).toBe(404);
    const members = await api('GET', `/v1/workspaces/${ada.workspace.workspace_id}/members`, { token: ada.token });
    expect(members.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([ada.user.id]);
  });
});
