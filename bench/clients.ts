/** The two ways the benchmark asks for the same scripted answer: through the gateway, and straight from the CLI. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** ms from the request (or spawn) to the first text token. */
  ttft: number;
  /** ms from the request (or spawn) to the answer's last byte (the CLI's `result` line; the HTTP response's end). */
  ttlb: number;
  /** The answer text, to check it arrived whole. */
  text: string;
  error: string | null;
}

/** One streamed /v1/chat/completions request, timed on the client side. */
export async function gatewayStream(v1: string, prompt: string, onFirstToken?: () => void): Promise<Timing> {
  const t0 = performance.now();
  let ttft = Number.NaN;
  let text = '';
  let error: string | null = null;
  try {
    const res = await fetch(`${v1}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: prompt }] }),
    });
    if (res.status !== 200 || !res.body) {
      return { ttft, ttlb: performance.now() - t0, text, error: `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}` };
    }
    const decoder = new TextDecoder();
    let buf = '';
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }>; error?: { message?: string } };
        if (chunk.error) error = chunk.error.message ?? 'stream error';
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) {
          if (Number.isNaN(ttft)) {
            ttft = performance.now() - t0;
            onFirstToken?.();
          }
          text += piece;
        }
      }
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  return { ttft, ttlb: performance.now() - t0, text, error };
}

/** Reads the CLI's stream-json stdout: each text delta, then the `result` line (its error text, if any). */
function onCliOutput(stdout: NodeJS.ReadableStream, on: { text(piece: string): void; result(error: string | null): void }): void {
  let buf = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line) as { type: string; is_error?: boolean; result?: string; event?: { type?: string; delta?: { type?: string; text?: string } } };
      if (m.type === 'stream_event' && m.event?.type === 'content_block_delta' && m.event.delta?.type === 'text_delta' && m.event.delta.text) on.text(m.event.delta.text);
      else if (m.type === 'result') on.result(m.is_error ? (m.result ?? 'error result') : null);
    }
  });
}

/** `claude -p … --output-format stream-json --verbose --include-partial-messages`, started fresh. */
export function cliStream(binary: string, prompt: string, opts: { cwd: string; env: NodeJS.ProcessEnv; allowedTools: string[] }): Promise<Timing> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(binary, ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--allowedTools', opts.allowedTools.join(',')], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let ttft = Number.NaN;
    let text = '';
    let stderr = '';
    let resultError: string | null = null;
    let resultAt = Number.NaN;
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    onCliOutput(child.stdout, {
      text: (piece) => {
        if (Number.isNaN(ttft)) ttft = performance.now() - t0;
        text += piece;
      },
      // The answer's last byte: the CLI may take a moment more to exit, which no client waits for.
      result: (error) => {
        resultAt = performance.now() - t0;
        resultError = error;
      },
    });
    // 'close' comes after stdout's end and the exit.
    child.once('close', (code) => {
      const error = resultError ?? (code !== 0 ? `exit ${code}: ${stderr.slice(-300)}` : null);
      resolve({ ttft, ttlb: Number.isNaN(resultAt) ? performance.now() - t0 : resultAt, text, error });
    });
  });
}

/**
 * The floor under any warm figure: the same CLI started ahead of time with stream-json input and left idle for
 * `idleMs`, then given the prompt. Timed from the prompt's write to the first text token: what Claude Code itself
 * spends on a prompt once it is running (context, hooks, skills, the API request), which no gateway can skip.
 */
export function cliStartedStream(binary: string, prompt: string, opts: { cwd: string; env: NodeJS.ProcessEnv; allowedTools: string[]; idleMs: number }): Promise<Timing> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--include-partial-messages', '--allowedTools', opts.allowedTools.join(',')], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let t0 = Number.NaN;
    let ttft = Number.NaN;
    let ttlb = Number.NaN;
    let text = '';
    let error: string | null = null;
    child.stderr.resume();
    onCliOutput(child.stdout, {
      text: (piece) => {
        if (Number.isNaN(ttft)) ttft = performance.now() - t0;
        text += piece;
      },
      result: (err) => {
        if (!Number.isNaN(ttlb)) return;
        ttlb = performance.now() - t0;
        error = err;
        child.stdin.end();
      },
    });
    const timer = setTimeout(() => {
      t0 = performance.now();
      child.stdin.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: prompt }, parent_tool_use_id: null })}\n`);
    }, opts.idleMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (!error && Number.isNaN(ttlb)) error = `exit ${code} before a result`;
      resolve({ ttft, ttlb, text, error });
    });
  });
}
