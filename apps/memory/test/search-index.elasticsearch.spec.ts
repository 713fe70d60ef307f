import { loadConfig } from '@mnemo/contracts';
import { ElasticsearchSearchIndex } from '../src/search/elasticsearch-search-index';
import { searchIndexContract } from './search-index.contract';

/**
 * The same contract against Elasticsearch, only where ELASTICSEARCH_URL points at a server. Without one (as on
 * these machines) the suite is skipped, under a name that says so, and says it on the console: a skipped
 * suite is reported as skipped by Jest, never as passed.
 */
const url = loadConfig('memory', { ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL }).elasticsearchUrl;

if (url === undefined) {
  // eslint-disable-next-line no-console
  console.warn('SearchIndex contract (Elasticsearch) NOT RUN: set ELASTICSEARCH_URL to an Elasticsearch 8 server to run it.');
  describe.skip('SearchIndex contract (Elasticsearch): NOT RUN, ELASTICSEARCH_URL is not set', () => {
    it('runs the contract suite against Elasticsearch', () => undefined);
  });
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
