import preset from '../jest.preset.js';

export default {
  ...preset,
  roots: ['<rootDir>/e2e', '<rootDir>/deploy', '<rootDir>/docs', '<rootDir>/faults'],
  // Each file starts real processes; running them one at a time keeps a 2-core machine calm.
  maxWorkers: 1,
  testTimeout: 60_000,
};
