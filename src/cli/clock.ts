/** Time, injectable so waits and timelines can be tested without real delays. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}
