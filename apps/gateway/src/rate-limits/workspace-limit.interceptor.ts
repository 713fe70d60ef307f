import { CallHandler, ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, mergeMap, type Observable } from 'rxjs';
import type { RateLimiter } from '../access/rate-limiter';

/**
 * The per-plan requests/second of a workspace. The workspace is known only once access control has run, so
 * this interceptor is registered right after RequestContextInterceptor (which runs AccessControl.authorize):
 * it counts only requests that passed authentication and authorization.
 */
@Injectable()
export class WorkspaceRateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limiter: RateLimiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return defer(() => this.limiter.limitWorkspace(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>())).pipe(mergeMap(() => next.handle()));
  }
}
