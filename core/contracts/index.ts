export * from './errors.js';
export * from './ids.js';
export * from './manifest.js';
export * from './domain.js';
export * from './events.js';
export * from './contract.js';
