import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_STATUS_BY_CODE, isErrorCode, MnemoError, type ErrorBody, type ErrorCode } from '@mnemo/contracts';
import type { Logger } from '@mnemo/observability';

/** Status → code for failures that did not start as a MnemoError (Nest's and Fastify's own). */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IDEMPOTENCY_MISMATCH',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

const SAFE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'not found',
  PAYLOAD_TOO_LARGE: 'request body exceeds the 1 MiB limit',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported content type; send application/json',
};

export interface ResolvedError {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
  unexpected: boolean;
}

/** Maps anything thrown while serving a request to the documented envelope. The one table is HTTP_STATUS_BY_CODE. */
export function resolveError(error: unknown): ResolvedError {
  if (error instanceof MnemoError) return fromBody(error.toBody());
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_ERROR');
    const response = error.getResponse();
    const message =
      SAFE_MESSAGES[code] ??
      (typeof response === 'object' && response !== null && 'message' in response ? String((response as { message: unknown }).message) : error.message);
    return { status: HTTP_STATUS_BY_CODE[code], body: { code, message }, unexpected: status >= 500 };
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
    const code = CODE_BY_STATUS[fastifyError.statusCode] ?? 'VALIDATION_ERROR';
    const message =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /JSON/.test(fastifyError.message ?? '')
        ? 'request body is not valid JSON'
        : (SAFE_MESSAGES[code] ?? 'invalid request');
    return { status: HTTP_STATUS_BY_CODE[code], body: { code, message }, unexpected: false };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' }, unexpected: true };
}

export function fromBody(body: ErrorBody): ResolvedError {
  const code: ErrorCode = isErrorCode(body.code) ? body.code : 'INTERNAL';
  const retryAfter = body.details?.retry_after_seconds;
  return {
    status: HTTP_STATUS_BY_CODE[code],
    body: { ...body, code },
    retryAfterSeconds:
      typeof retryAfter === 'number' ? retryAfter : code === 'CONFLICT' && body.details?.reason === 'in_progress' ? 1 : undefined,
    unexpected: code === 'INTERNAL',
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, resolved: ResolvedError): void {
  if (resolved.retryAfterSeconds !== undefined) reply.header('Retry-After', String(resolved.retryAfterSeconds));
  void reply
    .status(resolved.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { ...resolved.body, request_id: String(request.id) } });
}

/** Every failure inside Nest's pipeline leaves as `{ error: { code, message, details?, request_id } }`. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const resolved = resolveError(error);
    if (resolved.unexpected) this.logger.error({ err: error, request_id: request.id }, 'request failed');
    sendError(http.getResponse<FastifyReply>(), request, resolved);
  }
}
