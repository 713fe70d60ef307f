import 'reflect-metadata';
import { loadConfig } from '@mnemo/contracts';
import { startTelemetry } from '@mnemo/observability';
import { startAdminApp } from './admin/admin.app';
import { createGatewayApp } from './gateway.app';

async function main(): Promise<void> {
  const config = loadConfig('gateway');
  startTelemetry(config);
  const gateway = await createGatewayApp(config);
  await gateway.app.listen(config.port, config.host);
  gateway.runtime.logger.info({ port: config.port }, `gateway listening on http://127.0.0.1:${config.port}`);
  // The operators' port (ADMIN_PORT), closed without an OPERATOR_TOKEN.
  const admin = await startAdminApp(gateway.runtime);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      Promise.resolve(admin?.close())
        .then(() => gateway.stop())
        .then(() => process.exit(0))
        .catch(() => process.exit(1));
    });
  }
}

main().catch((error) => {
  process.stderr.write(`gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
