import { Controller, Inject } from '@nestjs/common';
import { credentialKind, IDENTITY_RPC, MnemoError, type ResolvedCredential, type Scope } from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { digest } from './secrets';

/** Resolves bearer credentials for the gateways. Every refusal looks the same from outside. */
@Controller()
export class CredentialHandlers {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @RpcHandler('identity', IDENTITY_RPC.authenticate)
  async authenticate(request: { token: string }): Promise<ResolvedCredential> {
    const refused = new MnemoError('UNAUTHORIZED', 'invalid or expired credential');
    const kind = typeof request.token === 'string' ? credentialKind(request.token) : undefined;
    if (!kind) throw refused;
    const em = this.runtime.orm.em.fork();
    if (kind === 'session') {
      const [session] = await em.execute<{ id: string; user_id: string; expires_at: Date }[]>(
        `SELECT s.id, s.user_id, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > now()`,
        [digest(request.token)],
      );
      if (!session) throw refused;
      return { kind: 'session', session_id: session.id, user_id: session.user_id, expires_at: new Date(session.expires_at).toISOString() };
    }
    const [key] = await em.execute<{ id: string; workspace_id: string; scopes: Scope[]; agent_id: string | null; created_by: string; expires_at: Date | null }[]>(
      `SELECT k.id, k.workspace_id, k.scopes, k.agent_id, k.created_by, k.expires_at FROM api_key_secrets s JOIN api_keys k ON k.id = s.key_id
       WHERE s.hash = ? AND (s.valid_until IS NULL OR s.valid_until > now())
         AND k.revoked_at IS NULL AND k.enabled AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [digest(request.token)],
    );
    if (!key) throw refused;
    return {
      kind: 'key',
      key_id: key.id,
      workspace_id: Number(key.workspace_id),
      scopes: key.scopes,
      agent_id: key.agent_id,
      created_by: key.created_by,
      expires_at: key.expires_at ? new Date(key.expires_at).toISOString() : null,
    };
  }
}
