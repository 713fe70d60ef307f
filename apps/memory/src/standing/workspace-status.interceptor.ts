import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, of, switchMap, type Observable } from 'rxjs';
import { MnemoError, type RpcReply } from '@mnemo/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { WorkspaceStandings } from './workspace-standings';

/**
 * Status enforcement on every memory RPC: a request naming a caller (`caller.workspace_id`) is answered only
 * while its workspace may make memory calls — suspended 403 `WORKSPACE_SUSPENDED`, pending payment 402
 * `PAYMENT_REQUIRED`, limit reached 429 `LIMIT_REACHED` with `Retry-After` at the period's end. Registered for
 * the whole service (APP_INTERCEPTOR), so a handler added later is covered without remembering to. Requests
 * without a caller (health, erasure steps) pass; a malformed caller passes to the handler, which refuses it.
 * The refusal comes before the handler, so it is never stored as an Idempotency-Key's answer.
 */
@Injectable()
export class WorkspaceStatusInterceptor implements NestInterceptor {
  constructor(
    @Inject(WorkspaceStandings) private readonly standings: WorkspaceStandings,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const workspaceId = (context.switchToRpc().getData() as { caller?: { workspace_id?: unknown } } | undefined)?.caller?.workspace_id;
    if (typeof workspaceId !== 'number' || !Number.isInteger(workspaceId) || workspaceId <= 0) return next.handle();
    const refusal = this.standings.admit(workspaceId).then(
      (): RpcReply | null => null,
      (error: unknown): RpcReply => {
        if (error instanceof MnemoError) return { ok: false, error: error.toBody() };
        this.runtime.logger.error({ err: error, workspace_id: workspaceId }, 'workspace standing check failed');
        return { ok: false, error: { code: 'UNAVAILABLE', message: 'the workspace standing could not be checked; retry' } };
      },
    );
    return from(refusal).pipe(switchMap((reply) => (reply ? of(reply) : next.handle())));
  }
}
