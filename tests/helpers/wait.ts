/**
 * The one polling helper of the tests: waits on the state an event stands for instead of sleeping a guessed time.
 * Throws naming what it waited for; never a timing assertion (the deadline only bounds a hang).
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, opts: { what: string; ms?: number; everyMs?: number }): Promise<void> {
  const end = Date.now() + (opts.ms ?? 20_000);
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}
