/**
 * A Kubernetes kind as a typed descriptor: where its objects live (REST paths), how their JSON
 * maps to our own type, and list, get, delete and list/watch (a Reflector) over them through the
 * one client. Services, waits and the Liqo adapter name kinds; none of them spells a REST path.
 */
import type {AccessCheck} from './access.js'
import type {Json, KubeClient, ListOptions, ListResult} from './client.js'
import {Reflector, type ReflectorOptions} from './reflector.js'

/** An API resource: group ('' for the core group), version, plural and its Kind. */
export interface ResourceName {
  group: string
  version: string
  plural: string
  kind: string
}

/** Where: one namespace, or every namespace (and cluster-scoped kinds) when absent. */
export interface Scope {
  namespace?: string
}

/** `/api/v1/pods`, `/api/v1/namespaces/ns/pods`, `/apis/apps/v1/namespaces/ns/deployments/name`. */
export function resourcePath(r: ResourceName, o: Scope & {name?: string} = {}): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
  const collection = o.namespace
    ? `${base}/namespaces/${encodeURIComponent(o.namespace)}/${r.plural}`
    : `${base}/${r.plural}`
  return o.name ? `${collection}/${encodeURIComponent(o.name)}` : collection
}

/** The error policy of a reflector (see ../wait/wait-for.ts retryConnectionErrors). */
export type WatchPolicy = Pick<ReflectorOptions<unknown>, 'onError' | 'onConnection'>

export interface WatchScope extends Scope, WatchPolicy {
  /** Only the object of this name. */
  name?: string
  /**
   * Only the objects of these namespaces. One namespace is watched there; several take one watch
   * of the whole collection, kept to these namespaces here, so that a wait over any number of
   * namespaces opens one watch per kind instead of one per namespace and kind.
   */
  namespaces?: string[]
  /** Only the objects of these names: one is selected by the server, several are kept here from one watch. */
  names?: string[]
  labelSelector?: string
  fieldSelector?: string
}

export class Kind<T> {
  constructor(
    readonly resource: ResourceName,
    readonly map: (raw: Json) => T,
  ) {}

  path(o: Scope & {name?: string} = {}): string {
    return resourcePath(this.resource, o)
  }

  /** kubectl's name for one object: `deployment.apps/web`, `namespace/liqo-test`. */
  ref(name: string): string {
    const {kind, group} = this.resource
    return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`
  }

  /** The same kind, mapped to another type (a name, a count, a trimmed object). */
  as<U>(map: (raw: Json) => U): Kind<U> {
    return new Kind(this.resource, map)
  }

  /** Every object (every page), mapped as it arrives. */
  list(client: KubeClient, o: Scope & ListOptions = {}): Promise<ListResult<T>> {
    return client.list(this.path(o), o, this.map)
  }

  /** The server-side Table form (kubectl's columns), mapped row by row. */
  listTable<U>(
    client: KubeClient,
    o: Scope & ListOptions,
    map: (cells: Record<string, unknown>, metadata: Json) => U,
  ): Promise<ListResult<U>> {
    return client.listTable(this.path(o), o, map)
  }

  /** One object, or undefined when it does not exist. */
  async get(client: KubeClient, name: string, o: Scope = {}): Promise<T | undefined> {
    const raw = await client.getOrNull(this.path({...o, name}))
    return raw === undefined ? undefined : this.map(raw)
  }

  /** Deletes one object; false when it was already gone. */
  delete(
    client: KubeClient,
    name: string,
    o: Scope & {propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'} = {},
  ): Promise<boolean> {
    return client.delete(this.path({...o, name}), o.propagationPolicy ? {propagationPolicy: o.propagationPolicy} : {})
  }

  /** A list/watch store of these objects (run it, or hand it to waitFor); `name` selects one, server-side. */
  reflector(client: KubeClient, o: WatchScope = {}): Reflector<T> {
    const one = (list: string[] | undefined, single: string | undefined) =>
      list?.length === 1 ? list[0] : list ? undefined : single
    const namespace = one(o.namespaces, o.namespace)
    const name = one(o.names, o.name)
    const inNamespaces = o.namespaces && o.namespaces.length > 1 ? new Set(o.namespaces) : undefined
    const named = o.names && o.names.length > 1 ? new Set(o.names) : undefined
    const filter = (raw: Json) =>
      (!inNamespaces || inNamespaces.has(raw.metadata?.namespace)) && (!named || named.has(raw.metadata?.name))
    const fieldSelector = name !== undefined ? `metadata.name=${name}` : o.fieldSelector
    return new Reflector(client, this.path(namespace !== undefined ? {namespace} : {}), {
      map: this.map,
      ...(o.labelSelector ? {labelSelector: o.labelSelector} : {}),
      ...(fieldSelector ? {fieldSelector} : {}),
      ...(inNamespaces || named ? {filter} : {}),
      ...(o.onError ? {onError: o.onError} : {}),
      ...(o.onConnection ? {onConnection: o.onConnection} : {}),
    })
  }

  /** The permission to `verb` these objects, for the preflight (./access.ts). */
  access(verb: string, o: Scope & {name?: string} = {}): AccessCheck {
    return {
      verb,
      group: this.resource.group,
      resource: this.resource.plural,
      ...(o.namespace ? {namespace: o.namespace} : {}),
      ...(o.name ? {name: o.name} : {}),
    }
  }
}
