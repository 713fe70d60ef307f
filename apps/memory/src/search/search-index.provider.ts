import type { Provider } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@mnemo/messaging';
import { ElasticsearchSearchIndex } from './elasticsearch-search-index';
import { PostgresSearchIndex } from './postgres-search-index';
import { SearchIndex } from './search-index';

/** The adapter of the SearchIndex port, by configuration: Elasticsearch when ELASTICSEARCH_URL is set, else PostgreSQL. */
export function createSearchIndex(runtime: Pick<ServiceRuntime, 'config' | 'orm'>): SearchIndex {
  const url = runtime.config.elasticsearchUrl;
  if (url === undefined) return new PostgresSearchIndex();
  return new ElasticsearchSearchIndex({ url, indexPrefix: runtime.config.natsPrefix, em: () => runtime.orm.em.fork() });
}

/** Opened before the first request: the Elasticsearch adapter creates its index and turns its sync queue on. */
export const SEARCH_INDEX_PROVIDER: Provider = {
  provide: SearchIndex,
  useFactory: async (runtime: ServiceRuntime) => {
    const index = createSearchIndex(runtime);
    await index.open(runtime.orm.em.fork());
    return index;
  },
  inject: [SERVICE_RUNTIME],
};
