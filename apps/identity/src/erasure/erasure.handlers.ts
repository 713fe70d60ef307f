import { Controller, Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  COMMON_OPERATIONS,
  IDENTITY_RPC,
  mintLinkToken,
  MnemoError,
  SERVICES,
  WORKSPACES_RPC,
  type ServiceName,
} from '@mnemo/contracts';
import { RpcHandler, SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { digest, PasswordHasher } from '../credential/secrets';
import { Sessions } from '../session/sessions';
import { decideUser } from '../user/user.decide';
import { initialUserState, userStreamId } from '../user/user.events';
import { evolveUser } from '../user/user.evolve';
import { KeyRevocation } from '../api-key/key-revocation';

type StepStatus = 'pending' | 'done';
const ERASURE_VALID_MS = 30 * 24 * 60 * 60 * 1000;

interface Blockers {
  blocking_workspaces: { workspace_id: number; name: string }[];
  blocking_organizations: { id: string; name: string }[];
}

/**
 * The erasure saga. Deleting an account revokes every credential and deletes the id → person mapping in
 * identity before answering; then each other service erases what it holds about the user (`eraseUser`,
 * idempotent), retried until done. Progress is readable with the erasure id for 30 days.
 */
@Injectable()
export class ErasureSaga implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.advance(), 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Runs every due step once; several replicas share the work through SKIP LOCKED. */
  async advance(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.runtime.orm.em.fork().transactional(async (em) => {
        const due = await em.execute<{ id_hash: string; user_id: string; services: Record<ServiceName, StepStatus> }[]>(
          `SELECT id_hash, user_id, services FROM erasures
           WHERE next_attempt_at <= now() AND services::text LIKE '%pending%'
           ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED`,
        );
        for (const erasure of due) {
          const services = { ...erasure.services };
          for (const service of SERVICES) {
            if (services[service] !== 'pending') continue;
            const operation = service === 'workspaces' ? WORKSPACES_RPC.eraseUser : COMMON_OPERATIONS.eraseUser;
            const reply = await this.runtime.rpc.call(service, operation, { user_id: erasure.user_id, erasure_id: erasure.id_hash });
            if (reply.ok) services[service] = 'done';
            else this.runtime.logger.warn({ service, code: reply.error.code }, 'erasure step failed; will retry');
          }
          await em.execute(`UPDATE erasures SET services = ?::jsonb, next_attempt_at = now() + interval '2 seconds' WHERE id_hash = ?`, [
            JSON.stringify(services),
            erasure.id_hash,
          ]);
        }
      });
    } catch (error) {
      this.runtime.logger.warn({ err: error }, 'erasure saga could not advance');
    } finally {
      this.running = false;
    }
  }
}

@Controller()
export class ErasureHandlers {
  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Sessions,
    private readonly keys: KeyRevocation,
    private readonly saga: ErasureSaga,
  ) {}

  @RpcHandler('identity', IDENTITY_RPC.deleteAccount)
  async deleteAccount(request: { user_id: string; password: string }): Promise<{ erasure_id: string }> {
    const em = this.runtime.orm.em.fork();
    const [user] = await em.execute<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE id = ?', [request.user_id]);
    if (!user) throw new MnemoError('NOT_FOUND', 'no such account');
    if (typeof request.password !== 'string' || !(await this.hasher.verify(user.password_hash, request.password))) {
      throw new MnemoError('FORBIDDEN', 'the password is not correct', { reason: 'wrong_password' });
    }
    const check = await this.runtime.rpc.call<Blockers>('workspaces', WORKSPACES_RPC.checkAccountDeletion, { user_id: request.user_id });
    if (!check.ok) throw new MnemoError(check.error.code, check.error.message, check.error.details);
    if (check.data.blocking_workspaces.length > 0 || check.data.blocking_organizations.length > 0) {
      throw new MnemoError('CONFLICT', 'you are the only owner of workspaces or organizations that have other members: transfer ownership or delete them first', {
        workspaces: check.data.blocking_workspaces,
        organizations: check.data.blocking_organizations,
      });
    }
    const erasureId = `${mintLinkToken()}${mintLinkToken()}`;
    await this.runtime.orm.em.fork().transactional(async (tx: EntityManager) => {
      // Every credential goes before the answer: sessions, and the keys this user minted.
      await this.sessions.revoke(tx, request.user_id, 'account_deleted');
      await this.keys.revokeCreatedBy(tx, request.user_id);
      const history = await this.runtime.store.readStream(userStreamId(request.user_id), tx);
      const events = decideUser({ type: 'delete', erasureId: digest(erasureId) }, history.reduce(evolveUser, initialUserState));
      await this.runtime.store.appendInTransaction(tx, userStreamId(request.user_id), history.length, events, {
        owner: { userId: request.user_id },
        actor: `user:${request.user_id}`,
      });
      // The id → person mapping goes now; events and audit rows keep only the opaque id.
      await tx.execute('DELETE FROM email_tokens WHERE user_id = ?', [request.user_id]);
      await tx.execute('DELETE FROM personal_workspace_requests WHERE user_id = ?', [request.user_id]);
      await tx.execute('DELETE FROM users WHERE id = ?', [request.user_id]);
      const services = Object.fromEntries(SERVICES.map((service) => [service, service === 'identity' ? 'done' : 'pending']));
      await tx.execute('INSERT INTO erasures (id_hash, user_id, services, expires_at) VALUES (?, ?, ?::jsonb, ?)', [
        digest(erasureId),
        request.user_id,
        JSON.stringify(services),
        new Date(Date.now() + ERASURE_VALID_MS),
      ]);
    });
    void this.saga.advance();
    return { erasure_id: erasureId };
  }

  @RpcHandler('identity', IDENTITY_RPC.getErasure)
  async getErasure(request: { erasure_id: string }): Promise<{ status: 'pending' | 'done'; services: Record<string, StepStatus> }> {
    const notFound = new MnemoError('NOT_FOUND', 'no such erasure');
    if (typeof request.erasure_id !== 'string' || !/^[0-9A-Za-z]{40,80}$/.test(request.erasure_id)) throw notFound;
    const [row] = await this.runtime.orm.em
      .fork()
      .execute<{ services: Record<string, StepStatus> }[]>('SELECT services FROM erasures WHERE id_hash = ? AND expires_at > now()', [digest(request.erasure_id)]);
    if (!row) throw notFound;
    return { status: Object.values(row.services).every((s) => s === 'done') ? 'done' : 'pending', services: row.services };
  }
}
