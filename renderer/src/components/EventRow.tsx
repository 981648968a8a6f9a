import { memo, useState, type ReactNode } from 'react';
import { formatCost, formatDuration, formatTokens, totalIn } from '../lib/format.ts';
import type { Row } from '../lib/transcript-model.ts';
import { ClippedPre, StatusBadge } from './common.tsx';
import { ToolCall, ToolEnd } from './ToolCall.tsx';

function Thinking({ text }: { text: string }): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <div className="thinking" data-kind="thinking">
      <button type="button" className="link-btn" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        {open ? '▾' : '▸'} Thinking <span className="muted">({text.length} chars)</span>
      </button>
      {open ? <div className="thinking-text">{text}</div> : null}
    </div>
  );
}

/** One row of the transcript detail (virtualised: keep rows self-contained and cheap). */
export const EventRow = memo(function EventRow({ row, collapsed, onToggle }: { row: Row; rev: number; collapsed: boolean; onToggle(key: string): void }): ReactNode {
  if (row.type === 'tool-end') return <ToolEnd node={row.node} />;
  const n = row.node;
  switch (n.kind) {
    case 'prompt':
      return (
        <div className="ev ev-prompt" data-kind="prompt">
          <div className="ev-label">
            Request <span className="muted">from {n.client} · model {n.model}{n.imageCount ? ` · ${n.imageCount} image(s)` : ''}</span>
          </div>
          {n.systemPrompt ? <ClippedPre text={`[system] ${n.systemPrompt}`} lines={3} className="muted" /> : null}
          <ClippedPre text={n.prompt} lines={16} />
        </div>
      );
    case 'init':
      return (
        <div className="ev ev-init muted" data-kind="init">
          Claude Code {n.claudeVersion ?? ''} started · model {n.model} · {n.tools.length} tools
          {n.mcpServers.length ? ` · MCP: ${n.mcpServers.map((s) => `${s.name} (${s.status})`).join(', ')}` : ''}
        </div>
      );
    case 'text':
      return (
        <div className="ev ev-text" data-kind="text">
          {n.text}
        </div>
      );
    case 'thinking':
      return <Thinking text={n.text} />;
    case 'tool':
      return <ToolCall node={n} rev={n.rev} collapsed={collapsed} onToggle={onToggle} />;
    case 'result':
      return (
        <div className={`ev ev-result ${n.isError ? 'is-error' : ''}`} data-kind="result">
          <span>
            {n.numTurns} turn{n.numTurns === 1 ? '' : 's'} · {formatDuration(n.durationMs)}
          </span>
          <span data-testid="result-tokens">
            tokens in {formatTokens(totalIn(n.usage))} / out {formatTokens(n.usage.outputTokens)}
          </span>
          <span>{formatCost(n.costUsd)}</span>
          {n.isError ? <span className="err-text">{n.subtype === 'success' ? 'ended with an error' : n.subtype}</span> : null}
        </div>
      );
    case 'error':
      return (
        <div className="ev ev-error" role="alert" data-kind="error">
          <strong>Error</strong> <span className="mono">{n.code}</span>
          <div>{n.message}</div>
        </div>
      );
    case 'retry':
      return (
        <div className="ev ev-retry" data-kind="retry">
          <strong>Model API unavailable</strong> <span className="mono">{n.status ? `HTTP ${n.status}` : 'no response'} {n.error}</span>
          <span className="muted"> — Claude Code retries in {formatDuration(n.delayMs)} (attempt {n.attempt} of {n.maxRetries})</span>
        </div>
      );
    case 'end':
      return (
        <div className={`ev ev-end end-${n.status}`} data-kind="end">
          <StatusBadge status={n.status} /> after {formatDuration(n.durationMs)}
          {n.reason ? <span className="muted"> — {n.reason}</span> : null}
        </div>
      );
  }
});
