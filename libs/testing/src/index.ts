export * from './environment';
export * from './ports';
export * from './processes';
