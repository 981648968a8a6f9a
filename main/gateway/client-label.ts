import type { Request } from 'express';

/** A short label for who sent a request (transcript list, logs). Never includes credentials. */
export function clientLabel(req: Request): string {
  if (req.get('x-openwebui-chat-id') || req.get('x-openwebui-user-id')) return 'OpenWebUI';
  const ua = req.get('user-agent') ?? '';
  if (/n8n/i.test(ua)) return 'n8n';
  if (/openwebui|open-webui/i.test(ua)) return 'OpenWebUI';
  const m = /^([A-Za-z][\w.\-/ ]{0,40}?)(?:\s|$)/.exec(ua);
  return m ? m[1].trim() : 'unknown';
}
