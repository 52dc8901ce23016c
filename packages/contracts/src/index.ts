export * from './api.js';
export * from './error-body.js';
export * from './error-code.js';
export * from './pool.js';
export * from './priority.js';
export * from './task.js';
export * from './task-error.js';
export * from './workflow.js';
