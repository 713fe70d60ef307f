import { Module } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { ErasureHandlers } from './erasure/erasure.handlers';
import { ExpirySweeper } from './memory/expiry-sweeper';
import { MemoryHandlers } from './memory/memory.handlers';
import { MemoryWrites } from './memory/memory.writes';
import { PostgresSearchIndex } from './search/postgres-search-index';
import { RecallCounter } from './search/recall-counter';
import { SearchHandlers } from './search/search.handlers';
import { SpaceHandlers } from './space/space.handlers';
import { SearchIndex } from './search/search-index';

/** The memory service's RPC controllers and providers. */
@Module({
  controllers: [MemoryHandlers, SearchHandlers, SpaceHandlers, ErasureHandlers],
  providers: [
    {
      provide: MemoryWrites,
      useFactory: (runtime: ServiceRuntime) => new MemoryWrites(runtime.store, () => runtime.orm.em.fork()),
      inject: [SERVICE_RUNTIME],
    },
    // The default SearchIndex adapter; Elasticsearch would be chosen here when ELASTICSEARCH_URL is set.
    { provide: SearchIndex, useClass: PostgresSearchIndex },
    RecallCounter,
    ExpirySweeper,
  ],
})
export class MemoryModule {}
