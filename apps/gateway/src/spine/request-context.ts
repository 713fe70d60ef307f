import { CallHandler, ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { runWithRequestId, SpanKind, withSpan, type Logger } from '@mnemo/observability';
import type { AccessControl } from '../access/access-control';

/**
 * Runs each request inside its own span and request id, so every log line of the gateway and of the services
 * it calls carries one trace id; logs one line when the request ends.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(
    private readonly logger: Logger,
    private readonly access: AccessControl,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const started = process.hrtime.bigint();
    const route = request.routeOptions?.url ?? request.url;
    return new Observable((subscriber) => {
      void runWithRequestId(String(request.id), () =>
        withSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.method': request.method, 'http.route': route } }, () =>
          new Promise<void>((resolve) => {
            const fail = (error: unknown) => {
              this.logRequest(request, route, started, 'error');
              subscriber.error(error);
              resolve();
            };
            // Access control runs inside the request's span, so its RPCs belong to the same trace.
            this.access.authorize(request).then(
              () =>
                next.handle().subscribe({
                  next: (value) => subscriber.next(value),
                  error: fail,
                  complete: () => {
                    this.logRequest(request, route, started, 'ok');
                    subscriber.complete();
                    resolve();
                  },
                }),
              fail,
            );
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
