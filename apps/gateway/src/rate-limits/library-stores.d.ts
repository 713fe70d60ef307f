/**
 * @fastify/rate-limit's own stores (CommonJS, untyped deep files). The gateway wraps them in FallbackStore so
 * Redis failures fall back to the library's local counting.
 */
declare module '@fastify/rate-limit/store/RedisStore' {
  import type { Redis } from 'ioredis';
  import type { LibraryStore } from '@fastify/rate-limit/store/LocalStore';
  class RedisStore implements LibraryStore {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key?: string);
    incr: LibraryStore['incr'];
    read: LibraryStore['read'];
  }
  export = RedisStore;
}

declare module '@fastify/rate-limit/store/LocalStore' {
  namespace LocalStore {
    type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;
    interface LibraryStore {
      incr(key: string, callback: StoreCallback, timeWindow: number, max: number): void;
      read(key: string, callback: StoreCallback, timeWindow: number, max: number): void;
    }
  }
  class LocalStore implements LocalStore.LibraryStore {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, cache?: number);
    incr: LocalStore.LibraryStore['incr'];
    read: LocalStore.LibraryStore['read'];
  }
  export = LocalStore;
}
