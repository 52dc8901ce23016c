import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../connection.js';
import { Packr } from 'msgpackr';

/** Where the `.lua` files are: the package's `lua/` folder, beside `src/` and `dist/`. */
const LUA_DIR = new URL('../../lua/', import.meta.url);

/** `-- @include "includes/name"`: the file `lua/includes/name.lua` (or a generated fragment) goes here. */
const INCLUDE_LINE = /^-- @include "([a-z0-9/-]+)"$/gm;

type ScriptCommand = (...args: (string | number | Buffer)[]) => Promise<unknown>;

export type ScriptArg = string | number | Buffer;

/**
 * A Lua script from `lua/<name>.lua`, run as an ioredis command: by SHA, the source sent only
 * to a connection that does not know it yet (ioredis tracks that per socket, and recovers a
 * `SCRIPT FLUSH` or a restart). Every key a script touches is passed in KEYS, so Redis
 * Cluster can route and check it.
 */
export class LuaScript<Reply = unknown> {
  /** The command's name on a connection (ioredis `defineCommand`). */
  private readonly command: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.command = `agentq_${name.replace(/-/g, '_')}`;
  }

  /** Runs the script; the reply is as Redis sends it (strings as strings). */
  run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Reply> {
    return this.commandOn(redis, '')(keys.length, ...keys, ...args) as Promise<Reply>;
  }

  /** Runs the script; bulk strings in the reply come back as Buffers (binary replies). */
  runBuffer(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<unknown> {
    return this.commandOn(redis, 'Buffer')(keys.length, ...keys, ...args);
  }

  /**
   * Adds a run of the script to a MULTI or pipeline. It must be made on a connection the
   * script was defined on (`defineOn`) before: a pipeline copies the commands its connection
   * had when it was made. `reply: 'buffer'` keeps bulk strings as Buffers, as `runBuffer`.
   */
  queue(
    multi: ChainableCommander,
    keys: readonly string[],
    args: readonly ScriptArg[],
    reply: 'string' | 'buffer' = 'string',
  ): void {
    const name = this.command + (reply === 'buffer' ? 'Buffer' : '');
    const command = (multi as unknown as Record<string, ScriptCommand | undefined>)[name];
    if (!command) throw new Error(`script ${this.name} was not defined before this MULTI`);
    void command.call(multi, keys.length, ...keys, ...args);
  }

  private commandOn(redis: RedisClient, variant: '' | 'Buffer'): ScriptCommand {
    this.defineOn(redis);
    const host = redis as unknown as Record<string, ScriptCommand>;
    const command = host[this.command + variant];
    if (!command) throw new Error(`script ${this.name} is not defined on this connection`);
    return command.bind(redis);
  }

  /** Makes the script a command of the connection (runs do it on first use). */
  defineOn(redis: RedisClient): void {
    if (this.command in redis) return;
    redis.defineCommand(this.command, { lua: this.source });
  }
}

/**
 * Loads `lua/<name>.lua`, with its `-- @include` lines replaced by the files (or the
 * `generated` fragments) they name, each at most once per script.
 */
export function loadLuaScript<Reply = unknown>(
  name: string,
  generated: Readonly<Record<string, string>> = {},
): LuaScript<Reply> {
  return new LuaScript<Reply>(name, expand(name, generated, new Set([name])));
}

function expand(
  name: string,
  generated: Readonly<Record<string, string>>,
  seen: Set<string>,
): string {
  const source = generated[name] ?? readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8');
  return source.replace(INCLUDE_LINE, (_line, included: string): string => {
    if (seen.has(included)) return '';
    seen.add(included);
    return expand(included, generated, seen);
  });
}

/*
 * Structured arguments and replies: a script whose arguments have names reads them from a
 * MessagePack map (`cmsgpack.unpack(ARGV[i])`) instead of fixed positions, and answers one
 * (`cmsgpack.pack(reply)`), so that the layout is declared once, as a TypeScript type. Maps,
 * not records; `undefined` goes as nil, which leaves the Lua field absent.
 */
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true, mapsAsObjects: true });

/** One named-argument table for a script (Buffers arrive as Lua strings, byte for byte). */
export function packScriptArg(value: object): Buffer {
  return packer.pack(value);
}

/** A reply packed by the script with `cmsgpack.pack` (run with `runBuffer`). */
export function unpackScriptReply<T>(reply: unknown): T {
  if (!Buffer.isBuffer(reply)) throw new Error('expected a packed script reply');
  return packer.unpack(reply) as T;
}
