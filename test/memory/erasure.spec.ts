import { api, eventually, signUp } from '@mnemo/testing';
import { memoryTable } from './helpers';

describe('memory in an account erasure', () => {
  it('drops the user’s stored request answers (idempotency records) and reports its step done', async () => {
    const ada = await signUp();
    const written = await api('POST', '/v1/memories', {
      token: ada.token,
      workspace: ada.workspace.workspace_id,
      headers: { 'idempotency-key': 'erasure-test' },
      body: { observation: 'remember me, then forget me' },
    });
    expect(written.status).toBe(201);
    const principal = `user:${ada.user.id}`;
    expect(await memoryTable('SELECT 1 FROM memory.idempotency_records WHERE principal = $1', [principal])).toHaveLength(1);
    const deleted = await api('DELETE', '/v1/account', { token: ada.token, body: { password: ada.password } });
    expect(deleted.status).toBe(202);
    await eventually(
      async () => ((await api('GET', `/v1/account/erasure/${deleted.body.erasure_id}`)).body.services?.memory === 'done' ? true : undefined),
      15_000,
      'the memory step',
    );
    expect(await memoryTable('SELECT 1 FROM memory.idempotency_records WHERE principal = $1', [principal])).toEqual([]);
  });
});
