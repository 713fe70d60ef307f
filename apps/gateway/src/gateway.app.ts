import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { v7 as uuidv7 } from 'uuid';
import { MAX_NATS_PAYLOAD_BYTES, NatsNames, type MnemoConfig, type RouteAccess } from '@mnemo/contracts';
import { connectNats, ensureStreams, RpcClient, SharedConnectionNatsClient } from '@mnemo/messaging';
import { AccessCache } from './access/access-cache';
import { AccessControl } from './access/access-control';
import { CredentialCache } from './access/credential-cache';
import { KeyUseRecorder } from './access/key-use';
import { RateLimiter } from './access/rate-limiter';
import { loadGatewaySettings, type GatewaySettings } from './gateway.settings';
import { createLogger, PinoNestLogger } from '@mnemo/observability';
import { ErrorEnvelopeFilter } from './spine/error-envelope';
import { RequestContextInterceptor } from './spine/request-context';
import { WorkspaceRateLimitInterceptor } from './rate-limits/workspace-limit.interceptor';
import { createValidationPipe } from './spine/validation';
import { GatewayModule } from './gateway.module';
import { acceptNdjsonBodies } from './export/ndjson-body';
import { keepRawBodyOnSignedRoutes } from './billing/raw-body';
import { installIconUploadParser } from './icons/icon-upload-body';
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
export interface GatewayAppOptions {
  /** Extra controllers and their access rules (tests drive the spine through them). */
  extraControllers?: Type[];
  extraRoutes?: Record<string, RouteAccess>;
  settings?: GatewaySettings;
}

export async function createGatewayApp(config: MnemoConfig, options: GatewayAppOptions = {}): Promise<GatewayApp> {
  const logger = createLogger(config);
  const settings = options.settings ?? loadGatewaySettings();
  const nc = await connectNats(config);
  const names = new NatsNames(config.natsPrefix);
  const rpc = new RpcClient(new SharedConnectionNatsClient(nc, config.natsPrefix), config.rpcTimeoutMs);
  await ensureStreams(nc, names);
  const credentials = new CredentialCache(rpc, nc, names, logger);
  await credentials.start();
  const access = new AccessCache(rpc);
  const keyUse = new KeyUseRecorder(rpc);
  const rateLimiter = await RateLimiter.connect(config, settings, logger);
  const accessControl = new AccessControl(credentials, access, keyUse, logger, options.extraRoutes);
  const runtime: GatewayRuntime = {
    config,
    settings,
    names,
    nc,
    logger,
    rpc,
    credentials,
    access,
    accessControl,
    keyUse,
    rateLimiter,
    async readinessProblems() {
      return nc.isClosed() ? ['nats'] : [];
    },
  };
  const adapter = new FastifyAdapter({
    // Bodies are capped at 1 MiB, which also keeps every RPC under NATS's max_payload.
    bodyLimit: MAX_NATS_PAYLOAD_BYTES,
    trustProxy: settings.trustProxy,
    genReqId: () => uuidv7(),
    requestIdHeader: false,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(runtime, options.extraControllers), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: without this, Fastify would hand text/plain bodies to handlers as strings.
  fastify.removeContentTypeParser('text/plain');
  // NDJSON, for POST /v1/import only (export/ndjson-body.ts).
  acceptNdjsonBodies(fastify);
  // The payment webhook's signature covers its raw bytes: that one route gets the body unparsed.
  keepRawBodyOnSignedRoutes(app);
  // Except the signed icon upload, whose body is the image's bytes.
  installIconUploadParser(fastify);
  // @fastify/rate-limit with the per-IP, per-email and per-user limits of the route table (rate-limits/).
  await rateLimiter.install(fastify, { credentials, access, rpc, extraRoutes: options.extraRoutes });
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', String(request.id));
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorEnvelopeFilter(logger));
  // In this order: access control (inside RequestContextInterceptor) finds the workspace, then its plan's
  // requests/second are counted.
  app.useGlobalInterceptors(new RequestContextInterceptor(logger, accessControl), new WorkspaceRateLimitInterceptor(rateLimiter));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mnemo')
      .setDescription('Memory platform for AI agents: the public REST API')
      .setVersion('1')
      .addBearerAuth()
      .addGlobalParameters({ name: 'Mnemo-Workspace', in: 'header', required: false, description: 'sessions: the workspace of workspace-implicit routes' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.init();
  return {
    app,
    runtime,
    async stop() {
      await app.close();
      await keyUse.stop().catch(() => undefined);
      await credentials.stop().catch(() => undefined);
      await rateLimiter.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
