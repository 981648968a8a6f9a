/**
 * docs/control-api.md's list of calls and docs/control-api.json, both from the OpenAPI document the gateway serves
 * at /api/openapi.json (main/contract/openapi.ts).
 */
import { controlApiDocument } from '../../main/contract/openapi.ts';
import { APP_VERSION } from '../../main/version.ts';

interface Operation {
  summary?: string;
  tags?: string[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

export function controlApiJson(): string {
  return `${JSON.stringify(controlApiDocument(APP_VERSION), null, 2)}\n`;
}

const cell = (s: string): string => s.replace(/[\\`*_|[\]]/g, (c) => `\\${c}`).replace(/</g, '&lt;');

/** One table per area (the document's tags): method, path and what the call does. */
export function renderControlApiList(): string {
  const doc = controlApiDocument(APP_VERSION) as { tags: Array<{ name: string; description: string }>; paths: Record<string, Record<string, Operation>> };
  const out: string[] = [];
  for (const tag of doc.tags) {
    out.push(`### ${tag.name}`, '', tag.description, '', '| call | does |', '|---|---|');
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op.tags?.includes(tag.name)) continue;
        const sse = op.responses?.['200']?.content?.['text/event-stream'] ? ' (SSE)' : '';
        out.push(`| \`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}\`${sse} | ${cell(op.summary ?? '')} |`);
      }
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}
