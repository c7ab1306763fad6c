// ESM + ts-jest: tests import sources with NodeNext-style `.js` suffixes; map them back to `.ts`.
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The corpus sweep needs ../shared and tshark; it runs through `npm run test:corpus`.
  testPathIgnorePatterns: ['/node_modules/', '/test/corpus/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { warnOnly: false } }],
  },
  testTimeout: 60000,
};
