/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/test/helpers/env.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/tsconfig.json" }] },
  testTimeout: 120000,
  // Jest's default (one worker per core but one) runs the suites one by one on 2 cores; much of their time
  // is spent waiting on terraform and CLI child processes, so at least two workers keep both cores busy.
  maxWorkers: Math.max(2, require("node:os").availableParallelism() - 1),
};
