/** One jest configuration for every workspace: TypeScript through SWC, tests in <workspace>/test and test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  testTimeout: 30000,
  // One file at a time: the failover and fault tests break and restore the shared test stack, and the
  // checkout tests inject faults into shared services; files running side by side would see each other's faults.
  maxWorkers: 1,
};
