import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PLAN_NAMES, planLimits, type PlanLimits, type PlanName } from '@mnemo/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { ErasureHandlers } from './erasure/erasure.handlers';
import { ExportHandlers } from './export/export.handlers';
import { AuditHandlers } from './audit/audit.handlers';
import { ExpirySweeper } from './memory/expiry-sweeper';
import { MemoryHandlers } from './memory/memory.handlers';
import { MemoryWrites } from './memory/memory.writes';
import { RecallCounter } from './search/recall-counter';
import { SearchHandlers } from './search/search.handlers';
import { SpaceHandlers } from './space/space.handlers';
import { SEARCH_INDEX_PROVIDER } from './search/search-index.provider';
import { WorkspaceStandings } from './standing/workspace-standings';
import { WorkspaceStatusInterceptor } from './standing/workspace-status.interceptor';
import { UsageMeter } from './usage/usage-meter';

/** The memory service's RPC controllers and providers. */
@Module({
  controllers: [MemoryHandlers, SearchHandlers, SpaceHandlers, ErasureHandlers, AuditHandlers, ExportHandlers],
  providers: [
    {
      provide: MemoryWrites,
      useFactory: (runtime: ServiceRuntime, usage: UsageMeter) => new MemoryWrites(runtime.store, () => runtime.orm.em.fork(), usage),
      inject: [SERVICE_RUNTIME, UsageMeter],
    },
    // Workspace status and plan (projection of the workspaces stream), enforced on every RPC by the interceptor.
    { provide: WorkspaceStandings, useFactory: (runtime: ServiceRuntime) => new WorkspaceStandings(runtime), inject: [SERVICE_RUNTIME] },
    { provide: APP_INTERCEPTOR, useClass: WorkspaceStatusInterceptor },
    {
      provide: UsageMeter,
      // Plan limits (with their PLAN_<NAME>_* overrides) are read once, at start.
      useFactory: (runtime: ServiceRuntime, standings: WorkspaceStandings) =>
        new UsageMeter(runtime.store, standings, Object.fromEntries(PLAN_NAMES.map((plan) => [plan, planLimits(plan, process.env)])) as Record<PlanName, PlanLimits>, () => runtime.orm.em.fork()),
      inject: [SERVICE_RUNTIME, WorkspaceStandings],
    },
    // The SearchIndex adapter: Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL FTS + pg_trgm.
    SEARCH_INDEX_PROVIDER,
    RecallCounter,
    ExpirySweeper,
  ],
  exports: [WorkspaceStandings, UsageMeter],
})
export class MemoryModule {}
