/**
 * The one place the app hands a URL to the operating system. Links in the dashboard, window.open, navigations away
 * from the app and sign-in pages named by remote MCP metadata all come through here: http(s) only — never file:,
 * javascript:, custom schemes (which would start other programs) or URLs carrying credentials.
 */
import { shell } from 'electron';
import { log } from '../log.ts';
import { isSafeExternalUrl } from '../shell/window-rules.ts';

export async function openExternal(url: string): Promise<boolean> {
  if (!isSafeExternalUrl(url)) {
    log.warn(`refused to open a non-http(s) URL: ${url.slice(0, 120)}`);
    return false;
  }
  await shell.openExternal(url);
  return true;
}
