import {defineConfig} from 'vitest/config'

// Fast unit tests on plain objects, and integration tests that run every command against one shared
// lab (real kube-apiserver, controller-manager and scheduler), started by the global setup: one with
// the Liqo v0.3 emulator, one with Liqo v1.2's own controllers, and, for the tutorial flow only, one
// each with Liqo v1.0's and v1.1's.
// Integration files run one at a time: they toggle cluster-wide peerings. The files in
// packages/cli/test/integration/both/ run in both integration projects: one test body, both Liqo
// generations. The tests of every package (packages/cli, packages/lab, packages/launcher) run in these projects.
/** The files run on the older Liqo v1 lines: the tutorial flow and what those releases do differently. */
const OLDER_LINES_FILES = [
  'packages/cli/test/integration/both/tutorial.test.ts',
  'packages/cli/test/integration/v1/daemonset-drain-v1.test.ts',
]

/** A project running files against a real-Liqo lab; its name picks the line (test/integration/v1/global-setup.ts). */
function v1Project(name: string, include: string[]) {
  return {
    test: {
      name,
      include,
      environment: 'node',
      globalSetup: ['packages/cli/test/integration/v1/global-setup.ts'],
      setupFiles: ['packages/cli/test/helpers/failure-logs.ts'],
      fileParallelism: false,
      // Liqo v1 in the lab slows down under CI load: a case that re-enables peerings and waits for
      // Liqo overran 3 minutes there (interrupt suite); 7 minutes before a case counts as hung.
      testTimeout: 420_000,
      hookTimeout: 300_000,
      sequence: {concurrent: false},
    },
  }
}

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
          // A guard against a hang, not a measure: the unit tests of three Node lines run beside the
          // type-check and the lint on two cores, where a test that starts a process (a credential
          // plugin, a proxy) can take several seconds.
          testTimeout: 30_000,
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
      // The same control plane running Liqo v1.2's own controllers (lab up --liqo v1.2): the whole v1 suite.
      v1Project('integration-v1', [
        'packages/*/test/integration/v1/*.test.ts',
        'packages/cli/test/integration/both/*.test.ts',
      ]),
      // Liqo v1.0 and v1.1 (lab up --liqo v1.0|v1.1): the tutorial flow, and what those releases do differently.
      ...(['v1.0', 'v1.1'] as const).map((line) => v1Project(`integration-${line}`, OLDER_LINES_FILES)),
    ],
  },
})
