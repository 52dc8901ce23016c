import type { AgentRegistry } from '@agentq/agents';
import { ErrorCode, findRefs, type ErrorDetail, type WorkflowSpec } from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';
import { issueDetails } from '../http/parse-or-throw.js';
import { assertInputSize } from '../tasks/input-size.js';

/**
 * Checks each step's agent and input (and its size) at submit, as a task's are. A `$ref` stands for an
 * output not known yet, so problems at or under a reference are left to the worker, which
 * validates the resolved input before the step runs.
 */
export function checkStepInputs(
  spec: WorkflowSpec,
  tenant: string,
  registry: AgentRegistry,
  pools: ReadonlySet<string>,
  inputLimitBytes: number,
): void {
  const details: ErrorDetail[] = [];
  spec.steps.forEach((step, index) => {
    const at = `body.steps.${index}`;
    if (step.pool !== undefined && !pools.has(step.pool)) {
      details.push({
        path: `${at}.pool`,
        message: `pool must be one of: ${[...pools].join(', ')}`,
      });
    }
    assertInputSize(step.input, inputLimitBytes, `${at}.input`);
    const check = registry.checkInput(step.agent, step.input, tenant);
    if (check.ok) return;
    if (check.reason === 'unknown-agent') {
      throw new ApiError(
        ErrorCode.UnknownAgent,
        `unknown agent "${step.agent}" in step "${step.id}"`,
        {
          path: `${at}.agent`,
          known: registry.names(),
        },
      );
    }
    const refs = findRefs(step.input).map((ref) => ref.at.map(String));
    const unresolved = check.issues.filter(
      (issue) => !refs.some((ref) => ref.every((part, i) => String(issue.path[i]) === part)),
    );
    details.push(...issueDetails(unresolved, `${at}.input`));
  });
  if (details.length > 0) {
    throw new ApiError(
      ErrorCode.ValidationFailed,
      `invalid workflow: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
}
