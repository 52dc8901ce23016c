#!/usr/bin/env node
// Brings the whole system up on this machine: Redis (started here when none answers and a
// redis-server binary is on the PATH), the gateway and the scaler, with their logs
// prefixed. The gateway gets a development API key, made once and kept in .data/, printed
// here (unless AGENTQ_AUTH=off). The scaler (local actuator, at least one worker) starts and stops the workers
// and forwards their log lines, shown here as [worker]. Ctrl-C (or SIGTERM) stops them
// all, Redis last.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureDevKey } from '../apps/gateway/dist/auth/dev-key.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisHost = redisUrl.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
const redisPort = Number(redisUrl.port || 6379);
const gatewayPort = process.env.PORT ?? '3000';
const colors = { redis: 31, gateway: 36, worker: 32, scaler: 35 };
const children = [];
let stopping = false;

function say(line) {
  process.stdout.write(`\x1b[1m[agentq]\x1b[0m ${line}\n`);
}

/** Whether something at host:port answers a Redis PING (an auth error is an answer too). */
function redisAnswers() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: redisHost, port: redisPort });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

function hasRedisServer() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Starts a child process whose output lines are prefixed with its name. */
function run(name, command, args, env = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (who) => `\x1b[${colors[who]}m[${who}]\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      // The scaler forwards its workers' lines; show them as the workers'.
      const who = name === 'scaler' && line.includes('"app":"worker"') ? 'worker' : name;
      process.stdout.write(prefix(who) + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    }
  });
  children.push({ name, child });
  return child;
}

function waitForExit(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  say('stopping ...');
  const apps = children.filter(({ name }) => name !== 'redis');
  for (const { child } of apps) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const { child } of children) child.kill('SIGKILL');
  }, 40_000);
  await Promise.all(apps.map(({ child }) => waitForExit(child)));
  const redis = children.find(({ name }) => name === 'redis');
  if (redis) {
    redis.child.kill('SIGTERM');
    await waitForExit(redis.child);
  }
  clearTimeout(deadline);
  say('stopped');
  process.exit(exitCode);
}

async function waitForRedis(timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await redisAnswers()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function ensureRedis() {
  if (await redisAnswers()) {
    say(`using Redis at ${redisHost}:${redisPort}`);
    return;
  }
  if (!isLoopback(redisHost) || !hasRedisServer()) {
    say(`no Redis answers at ${redisHost}:${redisPort}, and none can be started here.`);
    say('Install it (Debian/Ubuntu: sudo apt-get install redis-server),');
    say('or run one in Docker: docker compose -f docker/compose.yml up -d redis,');
    say('or point REDIS_URL at a Redis you have.');
    process.exit(1);
  }
  const dir = path.join(root, '.data', `redis-${redisPort}`);
  mkdirSync(dir, { recursive: true });
  say(`starting redis-server on ${redisHost}:${redisPort} (data in .data/redis-${redisPort})`);
  const args = ['--port', String(redisPort), '--bind', redisHost, '--dir', dir];
  run('redis', 'redis-server', [...args, '--appendonly', 'yes', '--save', '']);
  if (!(await waitForRedis(10_000))) {
    say('redis-server did not answer within 10 s');
    await stopAll(1);
  }
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** Keys of the gateway and the scaler's writes: the development key and the caller's. */
function apiKeys() {
  if (process.env.AGENTQ_AUTH === 'off') return {};
  const { key, line } = ensureDevKey(path.join(root, '.data'));
  say('development API key (tenant dev, every scope; kept in .data/dev-api-key):');
  say(`  export AGENTQ_API_KEY=${key}`);
  say(`sign in with it at the console: http://localhost:${gatewayPort}/console`);
  const own = process.env.AGENTQ_API_KEYS;
  return { AGENTQ_API_KEYS: own ? `${own}\n${line}` : line };
}

await ensureRedis();
const keys = apiKeys();
// Bull Board on for this local start (off by default in production settings).
const adminUi = process.env.AGENTQ_GATEWAY_ADMIN_UI ?? 'true';
run('gateway', 'node', ['apps/gateway/dist/main.js'], {
  PORT: gatewayPort,
  AGENTQ_GATEWAY_ADMIN_UI: adminUi,
  // The console's Scaler page reaches the scaler started below through the gateway.
  AGENTQ_SCALER_URL:
    process.env.AGENTQ_SCALER_URL ??
    `http://127.0.0.1:${process.env.AGENTQ_SCALER_HTTP_PORT ?? '9465'}`,
  ...keys,
});
// The scaler re-writes its workers' lines here, shown as the workers' (it drops them by default).
run('scaler', 'node', ['apps/scaler/dist/main.js'], {
  AGENTQ_SCALER_CHILD_LOGS: process.env.AGENTQ_SCALER_CHILD_LOGS ?? 'inherit',
  ...keys,
});
say(`gateway on http://localhost:${gatewayPort}; Ctrl-C stops everything`);
say(`console: http://localhost:${gatewayPort}/console`);
say(
  `command line (in another shell, with the key above): pnpm agentq run sim --input '{"steps":5}'`,
);
if (adminUi === 'true') say(`Bull Board: http://localhost:${gatewayPort}/admin/queues`);
