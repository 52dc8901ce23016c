import preset from '../../jest.preset.js';

const swc = preset.transform['^.+\\.ts$'][1];

export default {
  ...preset,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  // Bull Board's @fastify/static requires content-disposition, which is ESM only: plain
  // Node 20.19+ loads it (require(esm)), jest's module loader needs it compiled to CJS.
  transform: {
    ...preset.transform,
    'content-disposition/.+\\.js$': ['@swc/jest', { ...swc, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/content-disposition@|content-disposition/)'],
};
