/**
 * The scripted Anthropic API in its own process, so a benchmark that measures its own process's CPU counts only the
 * gateway: a prompt containing `DELTAS=<n>` is answered with n text deltas of 6 characters, anything else briefly.
 * Prints `SCRIPTED_URL=<url>` once listening; stops on SIGTERM.
 */
import { startScriptedAnthropic } from '../tests/fixtures/scripted-anthropic.ts';

const deltaText = (n: number): string => Array.from({ length: n }, (_, i) => `w${String(i).padStart(4, '0')} `).join('');

// It keeps no requests: a benchmark sends hundreds, and a real API does not hold them.
const api = await startScriptedAnthropic((_req, info) => {
  const m = info.userTexts.map((t) => /DELTAS=(\d+)/.exec(t)).find((x) => x !== null);
  const n = m ? Number(m[1]) : 0;
  if (n > 0) return { blocks: [{ type: 'text', text: deltaText(n), chunks: n }] };
  return { blocks: [{ type: 'text', text: 'ok' }] };
}, { keepRequests: 0 });
console.log(`SCRIPTED_URL=${api.url}`);
process.on('SIGTERM', () => void api.close().finally(() => process.exit(0)));
