import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode, type ErrorDetail } from '@agentq/contracts';
import { ApiError } from './api-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How far a path is shown: past this it is inside the client's own deep structure. */
const SHOWN_PATH_SEGMENTS = 4;

function invalid(message: string, details?: ErrorDetail[]): ApiError {
  return new ApiError(ErrorCode.ValidationFailed, message, details);
}

function pathOf(segments: readonly (string | number)[]): string {
  const shown = segments.slice(0, SHOWN_PATH_SEGMENTS);
  return ['body', ...shown].join('.') + (segments.length > shown.length ? '…' : '');
}

/**
 * Walks a parsed body once, without recursion (so no depth can overflow the stack), and
 * refuses nesting past `maxDepth` and keys that could pollute prototypes, naming where.
 * Every later step (size checks, schemas, agents) can then recurse safely.
 */
export function assertJsonShape(value: unknown, maxDepth: number): void {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop() as (typeof stack)[number];
    if (node === null || typeof node !== 'object') continue;
    if (path.length >= maxDepth) {
      throw invalid(`body nests deeper than ${maxDepth} levels`, [
        {
          path: pathOf(path),
          message: `nested deeper than ${maxDepth} levels (AGENTQ_GATEWAY_BODY_MAX_DEPTH)`,
        },
      ]);
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
      continue;
    }
    for (const [key, item] of Object.entries(node)) {
      // As secure-json-parse: `__proto__`, and `constructor.prototype`, reach a prototype
      // when code copies the value by assignment.
      if (key === '__proto__' || (key === 'constructor' && hasPrototypeKey(item))) {
        throw invalid(`body has a "${key}" key, refused: it could change object prototypes`, [
          { path: pathOf([...path, key]), message: `"${key}" keys are not accepted` },
        ]);
      }
      stack.push({ value: item, path: [...path, key] });
    }
  }
}

const hasPrototypeKey = (value: unknown) =>
  value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype');

/**
 * Parses a JSON body: strict UTF-8 (a client's bytes are never silently replaced), then
 * JSON, then its shape (see {@link assertJsonShape}). An empty body is no body, so routes
 * that take none accept clients that send `content-type: application/json` on every POST;
 * routes that need one say so when they validate it.
 */
export function parseJsonBody(raw: Buffer, maxDepth: number): unknown {
  if (raw.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw invalid('body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`body is not valid JSON: ${(error as Error).message}`);
  }
  assertJsonShape(value, maxDepth);
  return value;
}

/** Replaces Fastify's JSON parser with {@link parseJsonBody}, for every JSON media type. */
export function registerJsonBody(fastify: FastifyInstance, maxDepth: number): void {
  fastify.removeContentTypeParser(['application/json']);
  fastify.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json$/,
    { parseAs: 'buffer' },
    (
      _request: FastifyRequest,
      raw: Buffer,
      done: (error: Error | null, body?: unknown) => void,
    ) => {
      try {
        done(null, parseJsonBody(raw, maxDepth));
      } catch (error) {
        done(error as Error);
      }
    },
  );
}
