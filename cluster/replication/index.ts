// The replication core's public surface.
export * from './api.ts';
export * from './configuration.ts';
export * from './core.ts';
export * from './errors.ts';
export * from './messages.ts';
export * from './types.ts';
