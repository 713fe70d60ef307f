export * from './database';
export * from './event-store';
export * from './idempotency';
export * from './migrations';
export * from './orm';
