/**
 * The pages the browser sees after a provider redirects to our callback listener. Self-contained (inline CSS, no
 * scripts, no external assets): the listener may be the only thing reachable, and these pages must never leak the
 * query string (codes) to a third party.
 */
export interface CallbackPage {
  ok: boolean;
  /** Short heading, e.g. "Signed in to github". */
  heading: string;
  /** What happened, in one or two sentences. */
  message: string;
  /** What the user should do next. */
  next: string;
  /** MCP server concerned, when known. */
  serverName?: string | null;
  /** Technical detail (provider error, relay failure), shown smaller. */
  detail?: string | null;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderCallbackPage(p: CallbackPage): string {
  const color = p.ok ? '#1a7f37' : '#cf222e';
  const mark = p.ok ? '&#10003;' : '&#10007;';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.heading)} — Claude Code Gateway</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f8fa;color:#1f2328;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border:1px solid #d0d7de;border-radius:12px;padding:32px 40px;max-width:560px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:22px;margin:0 0 12px;display:flex;gap:10px;align-items:center}
.mark{color:${color};font-size:26px}
p{line-height:1.5;margin:8px 0}
.next{font-weight:600}
.server{font-family:ui-monospace,monospace;background:#eff1f3;padding:1px 6px;border-radius:4px}
.detail{font-family:ui-monospace,monospace;font-size:12px;color:#59636e;background:#f6f8fa;border-radius:6px;padding:8px;word-break:break-word}
footer{margin-top:20px;font-size:12px;color:#59636e}
</style></head>
<body><main data-ok="${p.ok}">
<h1><span class="mark">${mark}</span>${esc(p.heading)}</h1>
${p.serverName ? `<p>MCP server: <span class="server" id="server">${esc(p.serverName)}</span></p>` : ''}
<p id="message">${esc(p.message)}</p>
<p class="next" id="next">${esc(p.next)}</p>
${p.detail ? `<p class="detail" id="detail">${esc(p.detail)}</p>` : ''}
<footer>Claude Code Gateway · OAuth callback listener</footer>
</main></body></html>`;
}
