import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { ServiceRuntime } from '@mnemo/messaging';
import { AuditCheckpoints } from './audit-checkpoints';
import { auditConsumers } from './audit.consumers';
import { AuditLog } from './audit-log';
import { loadAuditSettings } from './audit.settings';

interface AuditParts {
  log: AuditLog;
  checkpoints: AuditCheckpoints;
}

const built = new WeakMap<ServiceRuntime, AuditParts>();

/** The audit log of one running service, built once from its runtime and validated settings. */
function auditOf(runtime: ServiceRuntime, env: NodeJS.ProcessEnv): AuditParts {
  let parts = built.get(runtime);
  if (!parts) {
    const settings = loadAuditSettings(runtime.config, env);
    const log = new AuditLog(runtime.orm, runtime.logger, settings.refusalWindowMs);
    parts = { log, checkpoints: new AuditCheckpoints(runtime.orm, runtime.nc, runtime.names, settings, log, runtime.logger) };
    built.set(runtime, parts);
  }
  return parts;
}

/** Creates the checkpoint stream before requests are taken, runs the checkpoint loop while the app lives. */
@Injectable()
class AuditLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(AuditCheckpoints) private readonly checkpoints: AuditCheckpoints) {}

  async onModuleInit(): Promise<void> {
    await this.checkpoints.ensureStream();
    this.checkpoints.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checkpoints.stop();
  }
}

/** Providers for `startService`'s `providers` (global: the space and audit handlers inject them). */
export function auditProviders(runtime: ServiceRuntime, env: NodeJS.ProcessEnv): Provider[] {
  const parts = auditOf(runtime, env);
  return [{ provide: AuditLog, useValue: parts.log }, { provide: AuditCheckpoints, useValue: parts.checkpoints }, AuditLifecycle];
}

/** Consumers for `startService`'s `consumers`: other services' security events into the chains. */
export function auditEventConsumers(runtime: ServiceRuntime, env: NodeJS.ProcessEnv) {
  return auditConsumers(runtime.names, auditOf(runtime, env).log);
}
