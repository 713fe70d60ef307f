import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { v7 as uuidv7 } from 'uuid';
import { MAX_NATS_PAYLOAD_BYTES, NatsNames, type MnemoConfig } from '@mnemo/contracts';
import { connectNats } from '@mnemo/messaging';
import { createLogger, PinoNestLogger } from '@mnemo/observability';
import { ErrorEnvelopeFilter } from './spine/error-envelope';
import { RequestContextInterceptor } from './spine/request-context';
import { createValidationPipe } from './spine/validation';
import { GatewayModule } from './gateway.module';
import type { GatewayRuntime } from './gateway.runtime';

export interface GatewayApp {
  app: NestFastifyApplication;
  runtime: GatewayRuntime;
  stop(): Promise<void>;
}

/**
 * Builds the gateway: NestJS on Fastify with request ids, the validation pipe, the error envelope (also for
 * Fastify's own failures: bad JSON, unknown route, body too large, media type), OpenAPI at /docs-json.
 */
export async function createGatewayApp(config: MnemoConfig, extraControllers: Type[] = []): Promise<GatewayApp> {
  const logger = createLogger(config);
  const nc = await connectNats(config);
  const runtime: GatewayRuntime = {
    config,
    names: new NatsNames(config.natsPrefix),
    nc,
    logger,
    async readinessProblems() {
      return nc.isClosed() ? ['nats'] : [];
    },
  };
  const adapter = new FastifyAdapter({
    // Bodies are capped at 1 MiB, which also keeps every RPC under NATS's max_payload.
    bodyLimit: MAX_NATS_PAYLOAD_BYTES,
    genReqId: () => uuidv7(),
    requestIdHeader: false,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(runtime, extraControllers), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: without this, Fastify would hand text/plain bodies to handlers as strings.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', String(request.id));
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter(logger));
  app.useGlobalInterceptors(new RequestContextInterceptor(logger));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mnemo')
      .setDescription('Memory platform for AI agents: the public REST API')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return {
    app,
    runtime,
    async stop() {
      await app.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
