import type { EntityManager } from '@mikro-orm/postgresql';
import { errors } from '@elastic/elasticsearch';
import { loadConfig } from '@mnemo/contracts';
import type { ServiceRuntime } from '@mnemo/messaging';
import { freePort } from '@mnemo/testing';
import { ElasticsearchSearchIndex } from '../src/search/elasticsearch-search-index';
import { PostgresSearchIndex } from '../src/search/postgres-search-index';
import { createSearchIndex } from '../src/search/search-index.provider';
import { searchIndexContract } from './search-index.contract';

/**
 * The contract suite against Elasticsearch runs only where ELASTICSEARCH_URL points at a server. Without one (as
 * on these machines) it is not run and says so on the console — it is never counted as passing. What is tested
 * here either way is the wiring, which needs no server: the adapter chosen by configuration, and a memory service
 * that refuses to start (rather than serve without its index) when the configured server does not answer.
 */
const url = loadConfig('memory', { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL }).elasticsearchUrl;

describe('SearchIndex adapter by configuration', () => {
  const runtimeWith = (env: Record<string, string>) => ({ config: loadConfig('memory', env), orm: undefined as never }) as Pick<ServiceRuntime, 'config' | 'orm'>;

  it('is PostgreSQL without ELASTICSEARCH_URL and Elasticsearch with one', () => {
    expect(createSearchIndex(runtimeWith({}))).toBeInstanceOf(PostgresSearchIndex);
    expect(createSearchIndex(runtimeWith({ ELASTICSEARCH_URL: 'http://127.0.0.1:9200' }))).toBeInstanceOf(ElasticsearchSearchIndex);
  });

  it('fails to open, with a connection error, when nothing answers at the configured URL (loopback only)', async () => {
    const port = await freePort();
    const index = new ElasticsearchSearchIndex({ url: `http://127.0.0.1:${port}`, indexPrefix: 'nobody', em: () => undefined as never });
    const untouched = { execute: () => Promise.reject(new Error('the database must not be reached before the index opens')) } as unknown as EntityManager;
    try {
      await expect(index.open(untouched)).rejects.toBeInstanceOf(errors.ConnectionError);
    } finally {
      await index.close();
    }
  });
});

if (url === undefined) {
  // eslint-disable-next-line no-console
  console.warn('SearchIndex contract (Elasticsearch) NOT RUN: set ELASTICSEARCH_URL to an Elasticsearch 8 server to run it.');
} else {
  searchIndexContract(`Elasticsearch at ${url}`, async (config, orm) => {
    const index = new ElasticsearchSearchIndex({ url, indexPrefix: config.natsPrefix, em: () => orm.em.fork() });
    return {
      index,
      close: async () => {
        await index.drop();
        await index.close();
      },
    };
  });
}
