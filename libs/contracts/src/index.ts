export * from './config';
export * from './errors';
export * from './events';
export * from './rpc';
export * from './subjects';
export * from './workspaces';
