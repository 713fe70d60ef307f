import { PostgresSearchIndex } from '../src/search/postgres-search-index';
import { searchIndexContract } from './search-index.contract';

const { world } = searchIndexContract('PostgreSQL full-text search + pg_trgm', async () => ({ index: new PostgresSearchIndex(), close: async () => undefined }));

describe('PostgreSQL adapter: trigram matching (pg_trgm)', () => {
  it('finds a misspelt or partial term that full-text search cannot, and counts it as a matched term', async () => {
    const w = world();
    const ws = w.workspace();
    const k8s = await w.put(ws, { observation: 'Upgrading the kubernetes cluster on Friday' });
    const deploy = await w.put(ws, { observation: 'Deploy checklist for the release', importance: 10 });
    await w.put(ws, { observation: 'Lunch menu for the offsite' });
    expect(await w.ids(ws, 'kubernets')).toEqual([k8s]);
    expect(await w.ids(ws, 'kuberne')).toEqual([k8s]);
    // Two terms, one misspelt: the memory with both outranks the more important one with the exact term alone.
    const both = await w.put(ws, { observation: 'Deploy to the kubernetes cluster', importance: 1 });
    const found = await w.ids(ws, 'deploy kubernets');
    expect(found[0]).toBe(both);
    expect([...found].sort()).toEqual([both, deploy, k8s].sort());
    const [hit] = await w.hits(ws, 'kubernets');
    expect(hit.matched).toEqual(['observation']);
    expect(await w.index.count(w.orm.em.fork(), w.query(ws, 'kubernets'))).toBe(2);
  });

  it('does not fuzz a term that full-text search finds, nor look past the filters or the workspace', async () => {
    const w = world();
    const ws = w.workspace();
    const exact = await w.put(ws, { observation: 'the heron returned', tags: ['birds'] });
    const near = await w.put(ws, { observation: 'the herons returned', tags: ['other'] });
    const typo = await w.put(ws, { observation: 'the heronn returned', tags: ['typos'] });
    // "heron" stems to what both "heron" and "herons" hold: exact hits, so the misspelling is not pulled in.
    expect([...(await w.ids(ws, 'heron'))].sort()).toEqual([exact, near].sort());
    expect(await w.ids(ws, 'heron', { tags: { any: ['birds', 'typos'] } })).toEqual([exact]);
    // Where the filters leave no exact hit, the similar spelling is found, and only inside the filters.
    expect(await w.ids(ws, 'heron', { tags: { any: ['typos'] } })).toEqual([typo]);
    expect(await w.ids(ws, 'heron', { tags: { any: ['nothing'] } })).toEqual([]);
    const elsewhere = w.workspace();
    await w.put(elsewhere, { observation: 'kubernetes everywhere' });
    expect(await w.ids(ws, 'kubernets')).toEqual([]);
  });
});
