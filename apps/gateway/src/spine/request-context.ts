import { CallHandler, ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import type { RpcMetadata } from '@mnemo/contracts';
import { runWithRequestId, SpanKind, withSpan, type Logger } from '@mnemo/observability';

/**
 * Runs each request inside its own span and request id, so every log line of the gateway and of the services
 * it calls carries one trace id; logs one line when the request ends.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const started = process.hrtime.bigint();
    const route = request.routeOptions?.url ?? request.url;
    return new Observable((subscriber) => {
      void runWithRequestId(String(request.id), () =>
        withSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.method': request.method, 'http.route': route } }, () =>
          new Promise<void>((resolve) => {
            next.handle().subscribe({
              next: (value) => subscriber.next(value),
              error: (error) => {
                this.logRequest(request, route, started, 'error');
                subscriber.error(error);
                resolve();
              },
              complete: () => {
                this.logRequest(request, route, started, 'ok');
                subscriber.complete();
                resolve();
              },
            });
          }),
        ),
      );
    });
  }

  private logRequest(request: FastifyRequest, route: string, started: bigint, outcome: string): void {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.logger.info({ method: request.method, route, outcome, duration_ms: Math.round(durationMs * 100) / 100 }, 'request');
  }
}

/** The RPC metadata of a request: who calls, which workspace, the idempotency key, the request id. */
export function rpcMetadataOf(request: FastifyRequest, extra: Partial<RpcMetadata> = {}): RpcMetadata {
  const idempotencyKey = request.headers['idempotency-key'];
  return {
    requestId: String(request.id),
    ...(typeof idempotencyKey === 'string' && ['POST', 'PUT', 'PATCH'].includes(request.method) ? { idempotencyKey } : {}),
    ...extra,
  };
}
