import {defineConfig} from 'vitest/config'

// Two projects: fast unit tests on plain objects, and integration tests that run every command
// against one shared lab (real kube-apiserver, controller-manager and scheduler), started by the
// global setup. Integration files run one at a time: they toggle cluster-wide peerings.
export default defineConfig({
  test: {
    disableConsoleIntercept: true,
    reporters: process.env.CI ? ['verbose'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: {concurrent: false},
        },
      },
    ],
  },
})
