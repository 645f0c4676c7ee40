/**
 * The Eviction API (policy/v1), as kubectl drain uses it: the API server checks the pod's
 * PodDisruptionBudgets and refuses with 429 TooManyRequests when an eviction would break one.
 */
import {ApiError} from '../toolkit/errors.js'
import type {KubeClient} from './client.js'
import {PODS} from './kinds.js'

export type Eviction = {outcome: 'evicted'} | {outcome: 'gone'} | {outcome: 'refused'; message: string}

/** Evicts one pod; a budget's refusal (429) and a pod already gone (404) are answers, not errors. */
export async function evictPod(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<Eviction> {
  const body = {apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name, namespace}}
  try {
    await client.create(`${PODS.path({namespace, name})}/eviction`, body, {
      ...(signal ? {signal} : {}),
      what: `evict pod ${namespace}/${name}`,
    })
    return {outcome: 'evicted'}
  } catch (e) {
    if (e instanceof ApiError && e.isNotFound) return {outcome: 'gone'}
    if (e instanceof ApiError && e.code === 429) return {outcome: 'refused', message: e.serverMessage}
    throw e
  }
}
