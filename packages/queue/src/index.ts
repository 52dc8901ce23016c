export * from './cancellation.js';
export * from './connection.js';
export * from './env.js';
export * from './job-options.js';
export * from './key-space.js';
export * from './queue-factory.js';
export * from './queue-stats.js';
export * from './task-view.js';
