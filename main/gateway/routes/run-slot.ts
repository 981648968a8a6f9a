import type { Request, Response } from 'express';
import type { ClaudeRuntime } from '../../claude/runtime.ts';
import type { RunLimiter } from '../limiter.ts';
import { GatewayError } from '../openai-errors.ts';

/** Aborts the run when the client goes away before the answer is complete. */
export function abortOnClose(_req: Request, res: Response, ac: AbortController): () => void {
  const onClose = (): void => {
    if (!res.writableFinished) ac.abort('cancelled');
  };
  res.on('close', onClose);
  return () => res.off('close', onClose);
}

/** Waits for a run slot (429 when the queue is full), then checks the runtime can run Claude (503 naming the fix). */
export async function acquireRunSlot(deps: { limiter: RunLimiter; runtime: ClaudeRuntime }, ac: AbortController): Promise<() => void> {
  const release = await deps.limiter.acquire(ac.signal);
  try {
    await deps.runtime.ready();
  } catch (err) {
    release();
    throw new GatewayError(503, `Claude runtime unavailable: ${(err as Error).message}`, 'server_error', 'runtime_unavailable');
  }
  return release;
}
