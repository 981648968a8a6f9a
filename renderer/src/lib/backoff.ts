/** Delay before retry number `attempt` (0-based): 0.5 s doubling to `maxMs`, with ±20 % jitter so tabs spread out. */
export function backoffMs(attempt: number, maxMs = 15_000): number {
  const base = Math.min(maxMs, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
