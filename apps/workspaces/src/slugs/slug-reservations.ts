import type { EntityManager } from '@mikro-orm/postgresql';
import { MnemoError } from '@mnemo/contracts';
import { slugCandidates } from './slug';

/** Workspace slugs and organization slugs are each globally unique, in separate namespaces. */
export type SlugKind = 'workspace' | 'organization';

const ATTEMPTS = 8;

/**
 * Reserves a slug derived from `base` for `ownerId` in the caller's transaction: the base itself if free, else
 * the base with a random suffix. `ON CONFLICT DO NOTHING` waits for a concurrent reservation of the same slug
 * to commit or roll back instead of aborting our transaction, so the next candidate can be tried in it.
 */
export async function reserveSlug(em: EntityManager, kind: SlugKind, base: string, ownerId: string): Promise<string> {
  for (const slug of slugCandidates(base, ATTEMPTS)) {
    const reserved = await em.execute<{ slug: string }[]>(
      `INSERT INTO slug_reservations (kind, slug, owner_id) VALUES (?, ?, ?) ON CONFLICT (kind, slug) DO NOTHING RETURNING slug`,
      [kind, slug, ownerId],
    );
    if (reserved.length === 1) return slug;
  }
  // 36^6 suffixes per base: reaching this means something else is wrong.
  throw new MnemoError('CONFLICT', `could not find a free ${kind} slug; choose another name`, { field: 'slug' });
}

/** Reserves exactly the slug a client chose: a taken one is the client's CONFLICT, never silently changed. */
export async function reserveChosenSlug(em: EntityManager, kind: SlugKind, slug: string, ownerId: string): Promise<string> {
  const reserved = await em.execute<{ slug: string }[]>(
    `INSERT INTO slug_reservations (kind, slug, owner_id) VALUES (?, ?, ?) ON CONFLICT (kind, slug) DO NOTHING RETURNING slug`,
    [kind, slug, ownerId],
  );
  if (reserved.length === 0) throw new MnemoError('CONFLICT', `the ${kind} slug "${slug}" is taken`, { field: 'slug', reason: 'slug_taken' });
  return slug;
}
