export type { ActivityApi, ActivityWindow } from './activity-api.js';
export { AgentqClient, type AgentqClientOptions } from './agentq-client.js';
export {
  AgentqError,
  ClientErrorCode,
  type AgentqErrorCode,
  type AgentqErrorInit,
} from './agentq-error.js';
export type {
  CallOptions,
  EventStreamOptions,
  SubmitOptions,
  WaitOptions,
} from './call-options.js';
export type { DeadLetterFilter, DeadLettersApi } from './dead-letters-api.js';
export type { PoolsApi } from './pools-api.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry-policy.js';
export type { ScalerApi, ScalerDecisionFilter } from './scaler-api.js';
export type { TaskEvent, TaskEventData, TaskEventName } from './task-events.js';
export type { TaskListFilter, TasksApi } from './tasks-api.js';
export type { WorkflowStreamEvent } from './workflow-events.js';
export type { WorkflowListFilter, WorkflowsApi } from './workflows-api.js';
// The wire shapes, as the gateway itself types them.
export type {
  BatchAccepted,
  DeadLetterPage,
  DeadLetterRedrive,
  DeadLetterRedriven,
  DeadLetterView,
  ErrorCode,
  PoolHistoryView,
  PoolMinuteView,
  PoolStats,
  ProvidersView,
  ScalerDecisionRecord,
  ScalerDecisionsPage,
  ScalerPinBody,
  ScalerPinView,
  ScalerPoolView,
  ScalerStatusView,
  StepView,
  TaskAccepted,
  TaskLogs,
  TaskPage,
  TaskSpecInput,
  TaskState,
  TaskView,
  TenantsView,
  TenantUsageView,
  WorkflowPage,
  WorkflowSpecInput,
  WorkflowState,
  WorkflowSummary,
  WorkflowView,
} from '@agentq/contracts';
