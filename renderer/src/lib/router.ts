import { useEffect, useState } from 'react';

/** Hash routes: `#/`, `#/transcripts/<id>`, `#/health`, `#/projects`, `#/claude`, `#/setup` (first run), `#/settings`, `#/mcp`, `#/docker`, `#/logs`, `#/approvals[/<id>]`. */
export type Route =
  | { page: 'transcripts' }
  | { page: 'transcript'; id: string }
  | { page: 'health' }
  | { page: 'projects' }
  | { page: 'claude' }
  | { page: 'setup' }
  | { page: 'settings' }
  | { page: 'mcp' }
  | { page: 'docker' }
  | { page: 'logs' }
  /** Pending approvals; `id`: the one a notification opened. */
  | { page: 'approvals'; id: string | null };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'transcripts':
      return parts[1] ? { page: 'transcript', id: parts[1] } : { page: 'transcripts' };
    case 'health':
      return { page: 'health' };
    case 'projects':
      return { page: 'projects' };
    case 'claude':
      return { page: 'claude' };
    case 'setup':
      return { page: 'setup' };
    case 'settings':
      return { page: 'settings' };
    case 'mcp':
      return { page: 'mcp' };
    case 'docker':
      return { page: 'docker' };
    case 'logs':
      return { page: 'logs' };
    case 'approvals':
      return { page: 'approvals', id: parts[1] ?? null };
    default:
      return { page: 'transcripts' };
  }
}

export function href(route: Route): string {
  if (route.page === 'approvals') return route.id ? `#/approvals/${encodeURIComponent(route.id)}` : '#/approvals';
  return route.page === 'transcript' ? `#/transcripts/${encodeURIComponent(route.id)}` : `#/${route.page === 'transcripts' ? '' : route.page}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
