/**
 * What OpenWebUI's chat view shows for an assistant message's accumulated text, rebuilt from its public source for
 * the parts that decide how the gateway's tool steps look (re-implemented here, not copied):
 * - Markdown.svelte re-lexes the WHOLE accumulated text with marked (^9) on every streamed delta, after trimming it.
 * - Its `details` block extension (src/lib/utils/marked/extension.ts) takes a block only when it starts with
 *   `<details …>` + newline AND its matching `</details>` is already there (nesting counted); the summary is read
 *   only from a first line `<summary>…</summary>` followed by a newline. An unclosed block is left to marked, whose
 *   CommonMark HTML-block rule makes an `html` token of it (its own test: "does not consume malformed unclosed
 *   details markup").
 * - MarkdownTokens.svelte shows a details token as a Collapsible: one title row (the summary as plain text),
 *   collapsed unless the user's "expand details" setting is on; an `html` token goes to HTMLToken.svelte, which prints
 *   anything that is not a video/audio/iframe/source tag as literal text (`{token.text}`).
 * The result is a static HTML page for Chromium: a snapshot of the stream renders as OpenWebUI shows it then.
 */
import { Marked, type Token, type TokenizerExtension, type Tokens } from 'marked';

interface DetailsToken {
  type: 'details';
  raw: string;
  summary: string;
  body: string;
}

/** Index just past the `</details>` that closes the block opening at 0, or -1 while it is not there yet. */
function closingEnd(src: string): number {
  let depth = 0;
  const re = /<details\b|<\/details>/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    depth += m[0] === '</details>' ? -1 : 1;
    if (depth === 0) return m.index + m[0].length;
  }
  return -1;
}

const details: TokenizerExtension = {
  name: 'details',
  level: 'block',
  start: (src) => (/^<details[\s>]/.test(src) ? 0 : -1),
  tokenizer(src): DetailsToken | undefined {
    const open = /^<details(\s+[^>]*)?>\n/.exec(src);
    if (!open) return undefined;
    const end = closingEnd(src);
    if (end === -1) return undefined;
    let body = src.slice(open[0].length, end - '</details>'.length).trim();
    let summary = '';
    const s = /^<summary>(.*?)<\/summary>\n/.exec(body);
    if (s) {
      summary = s[1].trim();
      body = body.slice(s[0].length).trim();
    }
    return { type: 'details', raw: src.slice(0, end), summary, body };
  },
};

const marked = new Marked({ extensions: [details] });

/** marked hands inline text over HTML-escaped; OpenWebUI unescapes it before showing it as text. */
const unesc = (s: string): string => s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '');
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(tokens: Token[] | undefined, fallback: string): string {
  if (!tokens) return esc(fallback);
  return tokens
    .map((t): string => {
      switch (t.type) {
        case 'strong': return `<strong>${inline(t.tokens, String(t.text))}</strong>`;
        case 'em': return `<em>${inline(t.tokens, String(t.text))}</em>`;
        case 'codespan': return `<code class="inline">${esc(unesc(String(t.text)))}</code>`;
        case 'br': return '<br>';
        case 'link': return `<a href="#">${inline(t.tokens, String(t.text))}</a>`;
        // OpenWebUI's inline tokens print raw HTML and text as text.
        default: return esc(unesc('text' in t && typeof t.text === 'string' ? t.text : t.raw));
      }
    })
    .join('');
}

function block(tokens: Token[]): string {
  return tokens
    .map((t): string => {
      switch (t.type) {
        case 'details': {
          const d = t as unknown as DetailsToken;
          // Collapsible: the title row only; the body is there, hidden, until the row is clicked.
          return `<div class="collapsible"><div class="title" onclick="this.parentElement.classList.toggle('open')">${esc(d.summary)}<span class="chevron">⌄</span></div><div class="content">${block(marked.lexer(d.body))}</div></div>`;
        }
        case 'html': return `<span class="html-as-text">${esc(String(t.text))}</span>`;
        case 'code': {
          const c = t as Tokens.Code;
          return `<div class="codeblock"><div class="lang">${esc(c.lang ?? '')}</div><pre><code>${esc(c.text)}</code></pre></div>`;
        }
        case 'paragraph': return `<p>${inline(t.tokens, String(t.text))}</p>`;
        case 'text': return `<p>${inline('tokens' in t ? t.tokens : undefined, String(t.text))}</p>`;
        case 'heading': return `<h${Number(t.depth)}>${inline(t.tokens, String(t.text))}</h${Number(t.depth)}>`;
        case 'hr': return '<hr>';
        case 'space': return '<div class="space"></div>';
        case 'blockquote': return `<blockquote>${block(t.tokens ?? [])}</blockquote>`;
        case 'list': {
          const l = t as Tokens.List;
          const items = l.items.map((i) => `<li>${block(i.tokens)}</li>`).join('');
          return l.ordered ? `<ol>${items}</ol>` : `<ul>${items}</ul>`;
        }
        default: return `<span class="unknown">${esc(t.raw)}</span>`;
      }
    })
    .join('');
}

/** OpenWebUI's view of an assistant message whose accumulated text is `content` (streaming or final). */
export function openWebUiMessageHtml(content: string): string {
  return block(marked.lexer(content.trim()));
}

/** A page showing one or more such messages, each under a caption. */
export function openWebUiPage(messages: Array<{ caption: string; content: string }>): string {
  const css = `
    body { font: 15px/1.6 system-ui, sans-serif; color: #1f2937; margin: 0; background: #fff; }
    .msg { max-width: 760px; margin: 16px auto; padding: 12px 16px; border: 1px dashed #e5e7eb; border-radius: 8px; }
    .caption { font-size: 12px; color: #9ca3af; margin-bottom: 6px; }
    .collapsible { margin: 2px 0; }
    .collapsible .title { color: #6b7280; font-weight: 500; cursor: pointer; width: fit-content; }
    .collapsible .chevron { margin-left: 8px; font-size: 11px; }
    .collapsible .content { display: none; padding-left: 4px; }
    .collapsible.open .content { display: block; }
    .codeblock { background: #f6f8fa; border-radius: 8px; margin: 6px 0; }
    .codeblock .lang { font-size: 11px; color: #6b7280; padding: 4px 10px 0; }
    .codeblock pre { margin: 0; padding: 6px 10px 10px; overflow-x: auto; }
    code.inline { background: #f3f4f6; padding: 0 3px; border-radius: 4px; }
    .space { height: 8px; }`;
  const body = messages.map((m) => `<div class="msg"><div class="caption">${esc(m.caption)}</div>${openWebUiMessageHtml(m.content)}</div>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body>${body}</body></html>`;
}
