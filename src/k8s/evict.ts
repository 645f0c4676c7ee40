/**
 * The Eviction API (policy/v1), as kubectl drain uses it: a pod is deleted only if its
 * PodDisruptionBudgets allow it. One attempt, no retry: the caller says what a refusal means.
 */
import type {KubeClient} from './client.js'
import {ApiError} from '../toolkit/errors.js'

export type EvictionAnswer = 'evicted' | 'gone' | 'refused'

/** Evicts one pod: 'refused' when a PodDisruptionBudget (429) or the API (403, 500) says no, 'gone' when it is not there. */
export async function evictPod(client: KubeClient, namespace: string, name: string): Promise<EvictionAnswer> {
  const body = {apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name, namespace}}
  try {
    await client.create(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`, body, {what: `evict pod ${namespace}/${name}`})
    return 'evicted'
  } catch (e) {
    if (e instanceof ApiError && e.isNotFound) return 'gone'
    if (e instanceof ApiError) return 'refused'
    throw e
  }
}
