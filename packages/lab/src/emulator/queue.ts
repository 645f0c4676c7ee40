/**
 * A keyed work queue in the style of client-go's: a key is processed by one worker at a time,
 * a key added while it is being processed runs again afterwards, and failures are retried with a
 * per-key exponential backoff.
 */
export type Handler = (key: string) => Promise<void | {requeueAfterMs: number}>

export class WorkQueue {
  private readonly pending = new Set<string>()
  private readonly order: string[] = []
  private readonly active = new Set<string>()
  private readonly dirty = new Set<string>()
  private readonly failures = new Map<string, number>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private running = 0
  private stopped = false
  private idleWaiters: Array<() => void> = []

  constructor(
    readonly name: string,
    private readonly handler: Handler,
    private readonly concurrency: number,
    private readonly log: (msg: string) => void,
  ) {}

  add(key: string, delayMs = 0): void {
    if (this.stopped) return
    if (delayMs > 0) {
      if (this.timers.has(key)) return
      const t = setTimeout(() => {
        this.timers.delete(key)
        this.add(key)
      }, delayMs)
      t.unref()
      this.timers.set(key, t)
      return
    }
    if (this.active.has(key)) {
      this.dirty.add(key)
      return
    }
    if (this.pending.has(key)) return
    this.pending.add(key)
    this.order.push(key)
    this.pump()
  }

  stop(): void {
    this.stopped = true
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }

  /** Resolves when nothing is queued or running (delayed retries excluded). */
  idle(): Promise<void> {
    if (this.running === 0 && this.order.length === 0) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.order.length > 0) {
      const key = this.order.shift()!
      this.pending.delete(key)
      this.active.add(key)
      this.running++
      void this.process(key)
    }
    if (this.running === 0 && this.order.length === 0) this.idleWaiters.splice(0).forEach((w) => w())
  }

  private async process(key: string): Promise<void> {
    let retryMs = 0
    try {
      const r = await this.handler(key)
      this.failures.delete(key)
      if (r && r.requeueAfterMs > 0) retryMs = r.requeueAfterMs
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1
      this.failures.set(key, n)
      retryMs = Math.min(100 * 2 ** n, 5_000)
      if (!this.stopped)
        this.log(`${this.name} ${key}: ${e instanceof Error ? e.message : String(e)} (retry ${n} in ${retryMs}ms)`)
    } finally {
      this.active.delete(key)
      this.running--
      if (this.dirty.delete(key)) this.add(key)
      else if (retryMs > 0) this.add(key, retryMs)
      this.pump()
    }
  }
}
