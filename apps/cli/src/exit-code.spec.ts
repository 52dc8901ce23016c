import { AgentqError } from '@agentq/client';
import { ExitCode, exitCodeOfError, exitCodeOfState } from './exit-code.js';
import { UsageError } from './usage-error.js';

describe(exitCodeOfState.name, () => {
  it('tells completed, failed, cancelled and still running apart', () => {
    expect(exitCodeOfState('completed')).toBe(0);
    expect(exitCodeOfState('failed')).toBe(1);
    expect(exitCodeOfState('cancelled')).toBe(3);
    expect(exitCodeOfState('active')).toBe(ExitCode.Detached);
    expect(exitCodeOfState('running')).toBe(ExitCode.Detached);
  });
});

describe(exitCodeOfError.name, () => {
  const api = (status: number | undefined) =>
    new AgentqError({ code: 'X', message: 'x', ...(status === undefined ? {} : { status }) });

  it('counts refused input as usage and every other API failure as an API error', () => {
    expect(exitCodeOfError(new UsageError('bad'))).toBe(2);
    expect(exitCodeOfError(api(400))).toBe(2);
    expect(exitCodeOfError(api(422))).toBe(2);
    expect(exitCodeOfError(api(404))).toBe(4);
    expect(exitCodeOfError(api(503))).toBe(4);
    expect(exitCodeOfError(api(undefined))).toBe(4);
    expect(exitCodeOfError(new TypeError('bug'))).toBe(70);
  });
});
