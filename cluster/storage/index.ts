export * from './engine.ts';
export * from './engine-error.ts';
export * from './key-schema.ts';
export * from './memory-engine.ts';
export * from './rocksdb-engine.ts';
export * from './status.ts';
export * from './value-schema.ts';
