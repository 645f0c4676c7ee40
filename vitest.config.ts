import {defineConfig} from 'vitest/config'

// Three projects: fast unit tests on plain objects, and integration tests that run every command
// against one shared lab (real kube-apiserver, controller-manager and scheduler), started by the
// global setup: one with the Liqo v0.3 emulator, one with Liqo v1.2's own controllers.
// Integration files run one at a time: they toggle cluster-wide peerings. The files in
// packages/cli/test/integration/both/ run in both integration projects: one test body, both Liqo
// generations. The tests of both packages (packages/cli, packages/lab) run in these projects.
export default defineConfig({
  test: {
    disableConsoleIntercept: true,
    // Each file's duration as it ends, and the ten slowest files at the end
    // (packages/cli/test/helpers/durations-reporter.ts).
    reporters: [process.env.CI ? 'verbose' : 'default', './packages/cli/test/helpers/durations-reporter.ts'],
    // scripts/test.sh runs the tests tagged "launcher" a second time, through the published launcher.
    tags: [
      {
        name: 'launcher',
        description: 'exercises what the published launcher changes: start-up, signals, a terminal, the board',
      },
    ],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/integration/*.test.ts', 'packages/cli/test/integration/both/*.test.ts'],
          environment: 'node',
          globalSetup: ['packages/cli/test/integration/global-setup.ts'],
          // A failing test prints the tails of the lab's logs; under CI the lab's logs are kept.
          setupFiles: ['packages/cli/test/helpers/failure-logs.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: {concurrent: false},
        },
      },
      {
        // The same control plane running Liqo v1.2's own controllers (lab up --liqo v1.2).
        test: {
          name: 'integration-v1',
          include: ['packages/*/test/integration/v1/*.test.ts', 'packages/cli/test/integration/both/*.test.ts'],
          environment: 'node',
          globalSetup: ['packages/cli/test/integration/v1/global-setup.ts'],
          setupFiles: ['packages/cli/test/helpers/failure-logs.ts'],
          fileParallelism: false,
          // Liqo v1.2 in the lab slows down under CI load: a case that re-enables peerings and waits for
          // Liqo overran 3 minutes there (interrupt suite); 7 minutes before a case counts as hung.
          testTimeout: 420_000,
          hookTimeout: 300_000,
          sequence: {concurrent: false},
        },
      },
    ],
  },
})
