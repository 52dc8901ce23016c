/** Nest injection tokens for the values main.ts hands to the app. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const REDIS = Symbol('REDIS');
export const TASK_QUEUES = Symbol('TASK_QUEUES');
export const AGENT_REGISTRY = Symbol('AGENT_REGISTRY');
export const WORKFLOW_ENGINE = Symbol('WORKFLOW_ENGINE');
