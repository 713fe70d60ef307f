export * from './environment';
export * from './ports';
export * from './processes';
export * from './mail-sink';
export * from './users';
export * from './rpc';
export * from './fake-stripe';
