import { Controller, Get, HttpCode, Inject, Module, type DynamicModule, type INestApplication, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { NatsConnection } from '@nats-io/transport-node';
import { COMMON_OPERATIONS, loadConfig, MnemoError, NatsNames, type MnemoConfig, type ServiceName } from '@mnemo/contracts';
import {
  EventStore,
  migrateService,
  openServiceOrm,
  prepareServiceDatabase,
  roleConnectionUrl,
  serviceDatabase,
  type ServiceMigration,
} from '@mnemo/event-store';
import { createLogger, PinoNestLogger, startTelemetry, stopTelemetry, type Logger } from '@mnemo/observability';
import { connectNats } from './connection';
import { EventConsumer, type EventConsumerOptions } from './consumer';
import { OutboxRelay } from './relay';
import { RpcClient, RpcHandler, setRpcHandlerLogger, SharedConnectionNatsClient, SharedConnectionNatsServer } from './rpc';
import { ensureStreams } from './streams';

/** Everything a service's handlers need, built once at start and injected by token. */
export interface ServiceRuntime {
  service: ServiceName;
  config: MnemoConfig;
  names: NatsNames;
  nc: NatsConnection;
  orm: MikroORM;
  store: EventStore;
  logger: Logger;
  /** Calls to other services (request/reply on the same connection). */
  rpc: RpcClient;
}

export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');

export interface ServiceDefinition {
  service: ServiceName;
  /** The service's own Nest module: RPC controllers and their providers. */
  module: Type;
  migrations?: ServiceMigration[];
  entities?: Function[];
  /** Extra providers needing the runtime (ports with their adapters, background loops). */
  providers?: (runtime: ServiceRuntime) => Provider[];
  consumers?: (runtime: ServiceRuntime) => Omit<EventConsumerOptions, 'nc' | 'names' | 'orm' | 'logger' | 'app'>[];
}

export interface RunningService {
  app: INestApplication;
  runtime: ServiceRuntime;
  relay: OutboxRelay;
  consumers: EventConsumer[];
  stop(): Promise<void>;
}

function healthControllers(service: ServiceName): Type[] {
  @Controller()
  class HealthHttpController {
    constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

    @Get('health')
    health() {
      return { status: 'ok', service };
    }

    @Get('ready')
    @HttpCode(200)
    async ready() {
      const problems = await readinessProblems(this.runtime);
      if (problems.length > 0) throw new MnemoError('UNAVAILABLE', `not ready: ${problems.join(', ')}`, { problems });
      return { status: 'ready', service };
    }
  }

  @Controller()
  class HealthRpcController {
    constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

    @RpcHandler(service, COMMON_OPERATIONS.health)
    async health() {
      const problems = await readinessProblems(this.runtime);
      if (problems.length > 0) throw new MnemoError('UNAVAILABLE', `${service} is not ready: ${problems.join(', ')}`, { problems });
      return { service, status: 'ok' };
    }
  }
  return [HealthHttpController, HealthRpcController];
}

async function readinessProblems(runtime: ServiceRuntime): Promise<string[]> {
  const problems: string[] = [];
  if (runtime.nc.isClosed()) problems.push('nats');
  try {
    await runtime.orm.em.fork().execute('SELECT 1');
  } catch {
    problems.push('postgresql');
  }
  return problems;
}

/**
 * Starts one service: validated config, telemetry, database and roles, migrations under an advisory lock,
 * the app-role ORM, the one NATS connection, streams, the outbox relay, consumers, and Nest with the RPC
 * server on that connection plus `/health` and `/ready` over HTTP.
 */
export async function startService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const { service } = definition;
  const config = loadConfig(service, env);
  startTelemetry(config);
  const logger = createLogger(config);
  setRpcHandlerLogger(logger);
  if (env.MIGRATE_ON_START !== 'false') {
    await prepareServiceDatabase(config, service);
    const applied = await migrateService(config, service, definition.migrations);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  }
  const orm = await openServiceOrm(config, service, { entities: definition.entities });
  const nc = await connectNats(config);
  const names = new NatsNames(config.natsPrefix);
  await ensureStreams(nc, names);
  const store = new EventStore(orm, names, service);
  const rpc = new RpcClient(new SharedConnectionNatsClient(nc, config.natsPrefix), config.rpcTimeoutMs);
  const runtime: ServiceRuntime = { service, config, names, nc, orm, store, logger, rpc };

  const relay = new OutboxRelay({
    connectionString: roleConnectionUrl(config, serviceDatabase(service).appRole),
    service,
    notifyChannel: EventStore.notifyChannel(service),
    nc,
    logger,
    pollMs: config.relayPollMs,
  });
  relay.start();

  const extraProviders = definition.providers?.(runtime) ?? [];

  @Module({})
  class RuntimeModule {
    static forRoot(): DynamicModule {
      return {
        module: RuntimeModule,
        global: true,
        providers: [{ provide: SERVICE_RUNTIME, useValue: runtime }, ...extraProviders],
        exports: [SERVICE_RUNTIME, ...extraProviders.map((p) => ('provide' in p ? p.provide : p))],
      };
    }
  }

  @Module({ imports: [RuntimeModule.forRoot(), definition.module], controllers: healthControllers(service) })
  class ServiceRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, new FastifyAdapter(), {
    logger: new PinoNestLogger(logger),
  });
  app.connectMicroservice({ strategy: new SharedConnectionNatsServer(nc, config.natsPrefix, names.queue(service)) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.port, config.host);

  const consumers = (definition.consumers?.(runtime) ?? []).map(
    (options) => new EventConsumer({ ...options, nc, names, orm, logger, app: service }),
  );
  for (const consumer of consumers) await consumer.start();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop taking requests, finish in-flight work, then drain NATS and close the pool.
      await app.close();
      for (const consumer of consumers) await consumer.stop();
      await relay.stop();
      await nc.drain().catch(() => undefined);
      await orm.close(true);
      await stopTelemetry();
    })());
  logger.info({ port: config.port }, `${service} service started`);
  return { app, runtime, relay, consumers, stop };
}

/** The body of each service's main.ts. */
export function runServiceMain(definition: ServiceDefinition): void {
  startService(definition)
    .then((running) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          running
            .stop()
            .then(() => process.exit(0))
            .catch(() => process.exit(1));
        });
      }
    })
    .catch((error) => {
      process.stderr.write(`${definition.service} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
