import { pino } from 'pino';
import { exitOnConfigError, loadConfigOrExit } from '@agentq/queue';
import { startTracing, traceLogFields } from '@agentq/telemetry';
import { loadConfig } from './config.js';
import { WorkerApp } from './worker-app.js';

/** Past the longest drain, a shutdown that still hangs (Redis gone) exits anyway. */
const SHUTDOWN_MARGIN_MS = 15_000;

type StopReason = NodeJS.Signals | 'parent exited';

const config = loadConfigOrExit('worker', loadConfig, process.env);
const tracing = startTracing('agentq-worker', process.env);
const logger = pino({
  level: config.logLevel,
  base: { app: 'worker', pid: process.pid },
  mixin: traceLogFields,
});

// Heard from the first moment: a signal while plugins load (before any task can run) stops
// the process at once and cleanly, instead of by the signal's default action.
let stop = (reason: StopReason): void => {
  logger.info({ signal: reason }, 'stopped before start');
  process.exit(0);
};
process.once('SIGTERM', (signal) => stop(signal));
process.once('SIGINT', (signal) => stop(signal));

const app = await WorkerApp.create(config, logger).catch((error: unknown) =>
  exitOnConfigError('worker', error),
);
stop = (reason) => {
  if (app.isClosing) return;
  setTimeout(() => {
    logger.error('shutdown did not finish; exiting');
    process.exit(1);
  }, app.drainTimeoutMs + SHUTDOWN_MARGIN_MS).unref();
  // Spans of the last tasks are exported before the process ends.
  void app.close(reason).then(() => tracing.shutdown());
};
await app.start();
// Started by a local scaler (over an IPC channel): when the scaler dies, even by SIGKILL,
// the channel closes; drain and exit rather than run on as an orphan no scaler counts.
if (!app.isClosing && process.send) {
  if (process.connected) {
    process.once('disconnect', () => stop('parent exited'));
    process.channel?.unref(); // after the listener, which would keep the process alive
  } else {
    stop('parent exited'); // it died while this one started
  }
}
