/**
 * Entry point of the bundled CLI (dist/bundle/run.js, built by scripts/bundle.mjs): oclif with the
 * command registry pointed at the bundle's commands chunk.
 */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'

export async function main(bundleDir: URL, root: URL): Promise<void> {
  const pjson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'))
  pjson.oclif.commands = {...pjson.oclif.commands, target: fileURLToPath(new URL('commands.js', bundleDir))}
  await execute({dir: fileURLToPath(root), loadOptions: {root: fileURLToPath(root), pjson}})
}
