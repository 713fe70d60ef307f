import 'reflect-metadata';
import { runServiceMain } from '@mnemo/messaging';
import { MemoriesReadModel } from './migrations/0002-memories';
import { ContextSpacesReadModel } from './migrations/0003-context-spaces';
import { UsageAndStandings } from './migrations/0004-usage-and-standings';
import { AuditLogTables } from './migrations/0005-audit-log';
import { auditEventConsumers, auditProviders } from './audit/audit.wiring';
import { SearchTrigram } from './migrations/0006-search-trigram';
import { ErasureAndExport } from './migrations/0007-erasure-and-export';
import { IdsPerWorkspace } from './migrations/0008-ids-per-workspace';
import { workspaceErasureConsumer } from './erasure/workspace-erasure.consumer';
import { MemoryModule } from './memory.module';
import { WorkspaceStandings } from './standing/workspace-standings';

runServiceMain({
  service: 'memory',
  module: MemoryModule,
  migrations: [
    { name: '0002_memories', class: MemoriesReadModel },
    { name: '0003_context_spaces', class: ContextSpacesReadModel },
    { name: '0004_usage_and_standings', class: UsageAndStandings },
    { name: '0005_audit_log', class: AuditLogTables },
    { name: '0006_search_trigram', class: SearchTrigram },
    { name: '0007_erasure_and_export', class: ErasureAndExport },
    { name: '0008_ids_per_workspace', class: IdsPerWorkspace },
  ],
  // The audit log and its checkpoint loop (global providers: space and audit handlers inject them).
  providers: (runtime) => auditProviders(runtime, process.env),
  consumers: (runtime) => [WorkspaceStandings.consumerOptions(runtime), workspaceErasureConsumer(runtime), ...auditEventConsumers(runtime, process.env)],
});
