import type { ReactNode } from 'react';
import { BRIDGE_GLOBAL, type BridgeHost } from '../../../main/contract/bridge.ts';

/**
 * A link to a page outside the app, as a button. In the desktop window it goes through the bridge's openExternal
 * (the system browser, http(s) only); in a browser tab it is a normal link opening a new tab.
 */
export function ExternalLink({ url, children, primary = false, testId }: { url: string; children: ReactNode; primary?: boolean; testId?: string }): ReactNode {
  const bridge = (window as unknown as BridgeHost)[BRIDGE_GLOBAL];
  const cls = `btn${primary ? ' primary' : ''}`;
  if (bridge) {
    return (
      <button type="button" className={cls} data-testid={testId} onClick={() => void bridge.openExternal(url)}>
        {children}
      </button>
    );
  }
  return (
    <a className={cls} data-testid={testId} href={url} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
