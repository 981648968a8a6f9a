import type { ReactNode } from 'react';
import { EmptyState } from '../components/common.tsx';

/** Placeholder: the MCP servers page (servers, OAuth login steps, status) is filled in by the OAuth work. */
export function McpPage(): ReactNode {
  return (
    <div className="page">
      <div className="page-head">
        <h1>MCP servers</h1>
      </div>
      <EmptyState title="MCP servers are not shown here yet">Server status and OAuth logins will appear on this page.</EmptyState>
    </div>
  );
}
