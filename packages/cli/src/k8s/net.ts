/**
 * node:http, node:https and node:tls, loaded on first use rather than at start-up: a help text or a usage
 * error needs neither, and the start-up snapshot (packages/launcher) cannot hold them.
 */
import type * as Http from 'node:http'
import type * as Https from 'node:https'
import type * as Tls from 'node:tls'

export const httpLib = (): typeof Http => process.getBuiltinModule('node:http')
export const httpsLib = (): typeof Https => process.getBuiltinModule('node:https')
export const tlsLib = (): typeof Tls => process.getBuiltinModule('node:tls')
