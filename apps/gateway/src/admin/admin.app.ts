import { createHash, timingSafeEqual } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { v7 as uuidv7 } from 'uuid';
import { MnemoError } from '@mnemo/contracts';
import { RpcClient } from '@mnemo/messaging';
import { PinoNestLogger } from '@mnemo/observability';
import { GATEWAY_RUNTIME, type GatewayRuntime } from '../gateway.runtime';
import { ErrorEnvelopeFilter, resolveError, sendError } from '../spine/error-envelope';
import { createValidationPipe } from '../spine/validation';
import { AdminController } from './admin.controller';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function isOperatorToken(header: string | undefined, operatorToken: string): boolean {
  const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : '';
  return token !== '' && timingSafeEqual(digest(token), digest(operatorToken));
}

/**
 * The operators' port (`ADMIN_PORT`, not exposed publicly): a second Nest app in the gateway process, outside
 * the public OpenAPI document, with its own credential (`OPERATOR_TOKEN`). Every request without that bearer
 * token, unknown routes included, is refused with 401 in the error envelope. Without a configured token the
 * port is not opened at all.
 */
export async function startAdminApp(runtime: GatewayRuntime): Promise<NestFastifyApplication | undefined> {
  const { config, logger } = runtime;
  const operatorToken = config.operatorToken;
  if (!operatorToken) {
    logger.warn('OPERATOR_TOKEN is not set: the admin port stays closed');
    return undefined;
  }

  @Module({
    controllers: [AdminController],
    providers: [
      { provide: GATEWAY_RUNTIME, useValue: runtime },
      { provide: RpcClient, useValue: runtime.rpc },
    ],
  })
  class AdminModule {}

  const adapter = new FastifyAdapter({ genReqId: () => uuidv7(), requestIdHeader: false, logger: false, bodyLimit: 64 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(AdminModule, adapter, { logger: new PinoNestLogger(logger), abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', String(request.id));
    if (!isOperatorToken(request.headers.authorization, operatorToken)) {
      sendError(reply, request, resolveError(new MnemoError('UNAUTHORIZED', 'send the operator credential: Authorization: Bearer <OPERATOR_TOKEN>')));
      return reply;
    }
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter(logger));
  await app.listen(config.adminPort, config.host);
  logger.info({ port: config.adminPort }, `admin port listening on http://127.0.0.1:${config.adminPort}`);
  return app;
}
