/** One Jest run: unit, medium and end-to-end tests, sharing one stack started in globalSetup. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@mnemo/(contracts|event-store|messaging|observability|testing)$': '<rootDir>/libs/$1/src' },
  // The global setup runs outside Jest's module system, so it runs the build's output (npm test builds first).
  globalSetup: '<rootDir>/dist/libs/testing/src/global-setup.js',
  globalTeardown: '<rootDir>/dist/libs/testing/src/global-teardown.js',
  testTimeout: 120000,
  maxWorkers: 2,
};
