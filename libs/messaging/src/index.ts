export * from './connection';
export * from './consumer';
export * from './payload';
export * from './relay';
export * from './rpc';
export * from './streams';
export * from './service-runtime';
export * from './due-work-poller';
