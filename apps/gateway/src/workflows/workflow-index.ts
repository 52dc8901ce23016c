import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { encodeCursor, indexTime, readIndex, tooOldAt } from '../admission/sorted-index.js';
import type { GateWorkflowIndex } from '../admission/submit-gate.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';

/**
 * Each tenant's workflows, newest first, for `GET /v1/workflows`: a sorted set of
 * `<time>/<id>` members (`sorted-index.ts`), added by the submit gate in the script that
 * stores the workflow. Trimmed on every write to the longest retention and to
 * `workflowIndexMax` entries, so it stays bounded; entries whose workflow is gone (its keys
 * expired) are skipped on read.
 */
@Injectable()
export class WorkflowIndex {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  /** Up to `count` entries older than the cursor, newest first, and whether more follow. */
  async page(
    tenant: string,
    cursor: string | undefined,
    count: number,
  ): Promise<{ entries: IndexedWorkflow[]; more: boolean }> {
    const key = gatewayKeys.tenantWorkflows(this.config.prefix, tenant);
    const { members, more } = await readIndex(this.redis, key, cursor, count, MEMBER);
    return {
      entries: members.map((member) => ({
        workflowId: member.slice(member.indexOf('/') + 1),
        cursor: encodeCursor(member),
      })),
      more,
    };
  }

  /** A new workflow's entry for the gate, with the trim that keeps the index bounded. */
  entry(tenant: string, workflowId: string, now: number): GateWorkflowIndex {
    return {
      key: gatewayKeys.tenantWorkflows(this.config.prefix, tenant),
      member: `${indexTime(now)}/${workflowId}`,
      tooOld: tooOldAt(this.config.retention, now),
      keep: this.config.workflowIndexMax,
    };
  }
}

/** `<submit time>/<workflow id>`. */
const MEMBER = /^\d{15}\/[A-Za-z0-9_-]+$/;

/** An entry of the index: the workflow, and the cursor of the page after it. */
export interface IndexedWorkflow {
  workflowId: string;
  cursor: string;
}
