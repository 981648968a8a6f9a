/**
 * The one polling helper of the tests: waits on the state an event stands for instead of sleeping a guessed time.
 * Throws naming what it waited for; never a timing assertion (the deadline only bounds a hang).
 */

export interface WaitOptions {
  /** What is awaited, for the error; a function when the message should show the state at the deadline. */
  what: string | (() => string);
  /** Deadline (default 20 s): only bounds a hang. */
  ms?: number;
  /** Poll interval (default 25 ms). */
  everyMs?: number;
}

/** "Not yet" for `waitFor`: anything else is the value awaited. */
type NotYet = null | undefined | false;

/** Polls `probe` until it gives a value (anything but null, undefined or false) and returns that value. */
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, opts: WaitOptions): Promise<T> {
  const end = Date.now() + (opts.ms ?? 20_000);
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof opts.what === 'string' ? opts.what : opts.what()}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}

/** Polls `cond` until it holds. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, opts: WaitOptions): Promise<void> {
  await waitFor(cond, opts);
}

/** Polls `probe` until `ok` accepts what it gives, and returns that; the error shows the last value seen. */
export async function waitForValue<T>(probe: () => T | Promise<T>, ok: (v: T) => boolean, opts: WaitOptions): Promise<T> {
  let last: T | undefined;
  const what = (): string => `${typeof opts.what === 'string' ? opts.what : opts.what()}; last: ${JSON.stringify(last)}`;
  const got = await waitFor(async () => {
    last = await probe();
    return ok(last) ? { value: last } : null;
  }, { ...opts, what });
  return got.value;
}
