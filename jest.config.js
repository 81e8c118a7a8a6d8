/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFiles: ["<rootDir>/test/helpers/env.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/tsconfig.json" }] },
  testTimeout: 120000,
  // Jest's default (one worker per core but one) runs the suites one by one on 2 cores. Much of their time
  // is spent waiting on terraform, the emulator and CLI child processes: a worker more than cores keeps
  // every core busy (on 2 cores, 3 workers: 346 s against 365 s with 2).
  maxWorkers: require("node:os").availableParallelism() + 1,
};
