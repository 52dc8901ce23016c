import preset from '../jest.preset.js';

export default {
  ...preset,
  roots: ['<rootDir>/e2e', '<rootDir>/deploy', '<rootDir>/faults'],
  // Each file starts real processes; running them one at a time keeps a 2-core machine calm.
  maxWorkers: 1,
  // A handle left open by one of the process-spawning suites (not yet found) keeps jest
  // alive after the run; every suite still stops what it started.
  forceExit: true,
  testTimeout: 60_000,
};
