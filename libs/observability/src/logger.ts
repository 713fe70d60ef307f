import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { MnemoConfig } from '@mnemo/contracts';
import { currentTraceId } from './telemetry';

interface RequestContext {
  requestId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with a request id every log line inside it carries. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return requestContext.run({ requestId }, work);
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/**
 * JSON logs with `trace_id` and `request_id` on every line. Never log content, keys, tokens or secrets:
 * the redact paths below are a backstop, not a licence.
 */
export function createLogger(config: Pick<MnemoConfig, 'app' | 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { app: config.app },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin() {
      const traceId = currentTraceId();
      const requestId = currentRequestId();
      return { ...(traceId ? { trace_id: traceId } : {}), ...(requestId ? { request_id: requestId } : {}) };
    },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'key', '*.key', 'secret', '*.secret', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}

/** Nest's logger, writing through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, ...(trace ? { stack: trace } : {}) }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export type { Logger };
