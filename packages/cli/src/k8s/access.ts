/**
 * Permission preflight: before changing anything, ask the API server (SelfSubjectAccessReview)
 * whether every step of the command is allowed, so that a user who may read but not patch or
 * delete gets one clear message naming each verb and resource, and nothing half-done.
 */
import {ApiError, UserError} from '../toolkit/errors.js'
import type {Json, KubeClient} from './client.js'

export interface AccessCheck {
  verb: string
  group: string
  resource: string
  namespace?: string
  name?: string
}

function describe(c: AccessCheck): string {
  const res = c.group ? `${c.resource}.${c.group}` : c.resource
  return `${c.verb} ${res}${c.name ? ` "${c.name}"` : ''}${c.namespace ? ` in namespace "${c.namespace}"` : ''}`
}

async function whoAmI(client: KubeClient): Promise<string | undefined> {
  try {
    const r = await client.create<Json>('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    })
    return r.status?.userInfo?.username
  } catch {
    return undefined
  }
}

/** Throws a UserError listing every denied check; does nothing when all are allowed. */
export async function requireAccess(client: KubeClient, checks: AccessCheck[], purpose: string): Promise<void> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        const r = await client.create<Json>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: c.verb,
              group: c.group,
              resource: c.resource,
              ...(c.namespace ? {namespace: c.namespace} : {}),
              ...(c.name ? {name: c.name} : {}),
            },
          },
        })
        return {check: c, allowed: r.status?.allowed === true}
      } catch (e) {
        // Cannot ask (very old or locked-down server): let the real request speak for itself.
        if (e instanceof ApiError) return {check: c, allowed: true}
        throw e
      }
    }),
  )
  const denied = results.filter((r) => !r.allowed).map((r) => r.check)
  if (denied.length === 0) return
  const user = await whoAmI(client)
  throw new UserError(
    `forbidden: ${user ? `user "${user}"` : 'you'} may not ${denied.map(describe).join(', ')} on context ` +
      `"${client.context}", needed to ${purpose}; nothing was changed`,
    'ask for the ClusterRole in docs/rbac.yaml (README, "Permissions")',
  )
}
