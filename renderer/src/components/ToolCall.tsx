import { memo, useState, type ReactNode } from 'react';
import { formatDuration } from '../lib/format.ts';
import type { ApprovalOutcome } from '../../../main/contract/approvals.ts';
import { href } from '../lib/router.ts';
import { countSteps, isTaskTool, type ToolApproval, type ToolNode } from '../lib/transcript-model.ts';
import { ClippedPre } from './common.tsx';
import { DiffView } from './DiffView.tsx';

type Input = Record<string, unknown>;

function obj(v: unknown): Input {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Input) : {};
}
function str(i: Input, k: string): string | null {
  const v = i[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

/** `mcp__server__tool` → { server, tool }. */
export function parseMcpName(name: string): { server: string; tool: string } | null {
  const m = /^mcp__(.+?)__(.+)$/.exec(name);
  return m ? { server: m[1], tool: m[2] } : null;
}

function ResultBlock({ node, lines = 12 }: { node: ToolNode; lines?: number }): ReactNode {
  if (!node.result) return <div className="tool-pending">running…</div>;
  if (!node.result.content.trim()) return <div className="tool-empty">{node.result.isError ? 'failed (no output)' : '(no output)'}</div>;
  return <ClippedPre text={node.result.content} lines={lines} className={node.result.isError ? 'tool-output is-error' : 'tool-output'} />;
}

function JsonBlock({ value }: { value: unknown }): ReactNode {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return <ClippedPre text={text} lines={10} className="tool-input" />;
}

function Header({ icon, title, detail, node, extra }: { icon: string; title: string; detail?: string | null; node: ToolNode; extra?: ReactNode }): ReactNode {
  const state = node.result ? (node.result.isError ? 'error' : 'ok') : callerState(node) ?? 'running';
  return (
    <div className="tool-head">
      <span className="tool-icon" aria-hidden>
        {icon}
      </span>
      <span className="tool-name">{title}</span>
      {detail ? <span className="tool-detail mono">{detail}</span> : null}
      {extra}
      <span className={`tool-state tool-state-${state === 'waiting' ? 'running' : state === 'unanswered' ? 'error' : state}`}>
        {state === 'ok' ? '✓' : state === 'waiting' ? 'waiting for the caller' : state === 'unanswered' ? 'no result' : state}
      </span>
    </div>
  );
}

function BashTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  return (
    <>
      <Header icon="$" title="Bash" detail={str(i, 'description')} node={node} />
      <pre className="mono tool-command">$ {str(i, 'command') ?? ''}</pre>
      <ResultBlock node={node} />
    </>
  );
}

function ReadTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  const offset = str(i, 'offset');
  const limit = str(i, 'limit');
  const range = offset || limit ? ` (lines ${offset ?? 1}${limit ? `–${Number(offset ?? 1) + Number(limit) - 1}` : '+'})` : '';
  return (
    <>
      <Header icon="≡" title="Read" detail={`${str(i, 'file_path') ?? ''}${range}`} node={node} />
      <ResultBlock node={node} lines={8} />
    </>
  );
}

function WriteTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  return (
    <>
      <Header icon="✎" title="Write" detail={str(i, 'file_path')} node={node} />
      <DiffView oldText="" newText={str(i, 'content') ?? ''} />
      {node.result?.isError ? <ResultBlock node={node} /> : null}
    </>
  );
}

function EditTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  const edits = Array.isArray(i.edits) ? i.edits.map(obj) : [i];
  return (
    <>
      <Header icon="✎" title={node.name} detail={str(i, 'file_path')} node={node} extra={i.replace_all === true ? <span className="chip">replace all</span> : null} />
      {edits.map((e, k) => (
        <DiffView key={k} oldText={str(e, 'old_string') ?? ''} newText={str(e, 'new_string') ?? ''} />
      ))}
      {node.result?.isError ? <ResultBlock node={node} /> : null}
    </>
  );
}

function SearchTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  const where = [str(i, 'path'), str(i, 'glob') ? `glob ${str(i, 'glob')}` : null, str(i, 'type') ? `type ${str(i, 'type')}` : null].filter(Boolean).join(' · ');
  return (
    <>
      <Header icon={node.name === 'Glob' ? '*' : '/'} title={node.name} detail={`${node.name === 'Grep' ? `/${str(i, 'pattern') ?? ''}/` : (str(i, 'pattern') ?? '')}${where ? `  in ${where}` : ''}`} node={node} />
      <ResultBlock node={node} lines={10} />
    </>
  );
}

function TodoTool({ node }: { node: ToolNode }): ReactNode {
  const todos = Array.isArray(obj(node.input).todos) ? (obj(node.input).todos as unknown[]).map(obj) : [];
  return (
    <>
      <Header icon="☑" title="Todo list" node={node} />
      <ul className="todos">
        {todos.map((t, k) => (
          <li key={k} className={`todo todo-${str(t, 'status') ?? 'pending'}`}>
            {str(t, 'status') === 'completed' ? '☑' : str(t, 'status') === 'in_progress' ? '◐' : '☐'} {str(t, 'content') ?? ''}
          </li>
        ))}
      </ul>
    </>
  );
}

function McpTool({ node, mcp }: { node: ToolNode; mcp: { server: string; tool: string } }): ReactNode {
  return (
    <>
      <Header icon="⇄" title={`${mcp.server} › ${mcp.tool}`} node={node} extra={<span className="chip">MCP</span>} />
      <JsonBlock value={node.input} />
      <ResultBlock node={node} />
    </>
  );
}

/** A client tool call without its result: still waiting for the caller, or abandoned when the run ended. */
function callerState(node: ToolNode): 'waiting' | 'unanswered' | null {
  if (!node.caller || node.caller.waitedMs !== null) return null;
  return node.caller.abandoned ? 'unanswered' : 'waiting';
}

/** A caller's own function: the run asked the caller (tool_calls) and waited for its result. */
function ClientTool({ node, tool }: { node: ToolNode; tool: string }): ReactNode {
  const waited = node.caller?.waitedMs ?? null;
  return (
    <>
      <Header icon="↗" title={`caller › ${tool}`} node={node} extra={<span className="chip">client tool</span>} />
      <JsonBlock value={node.input} />
      {node.result || waited !== null ? (
        <>
          {waited !== null ? <div className="muted" data-testid="caller-waited">the caller answered after {formatDuration(waited)}</div> : null}
          <ResultBlock node={node} />
        </>
      ) : (
        <div className="tool-pending">{node.caller?.abandoned ? 'no result: the run ended before the caller answered' : 'waiting for the caller…'}</div>
      )}
    </>
  );
}

function TaskTool({ node, collapsed, onToggle }: { node: ToolNode; collapsed: boolean; onToggle(): void }): ReactNode {
  const i = obj(node.input);
  const [showPrompt, setShowPrompt] = useState(false);
  const steps = countSteps(node);
  return (
    <>
      <Header icon="◆" title={`Task${str(i, 'subagent_type') ? ` (${str(i, 'subagent_type')})` : ''}`} detail={str(i, 'description')} node={node} />
      <div className="task-bar">
        <button type="button" className="link-btn" onClick={() => setShowPrompt((s) => !s)}>
          {showPrompt ? 'Hide prompt' : 'Show prompt'}
        </button>
        {steps > 0 ? (
          <button type="button" className="link-btn" onClick={onToggle} aria-expanded={!collapsed}>
            {collapsed ? `▸ Show ${steps} sub-agent step${steps === 1 ? '' : 's'}` : `▾ Hide ${steps} sub-agent step${steps === 1 ? '' : 's'}`}
          </button>
        ) : null}
      </div>
      {showPrompt ? <ClippedPre text={str(i, 'prompt') ?? ''} lines={20} /> : null}
      {steps === 0 || collapsed ? <ResultBlock node={node} /> : null}
    </>
  );
}

function GenericTool({ node }: { node: ToolNode }): ReactNode {
  const i = obj(node.input);
  const url = str(i, 'url') ?? str(i, 'query') ?? str(i, 'path') ?? str(i, 'file_path');
  return (
    <>
      <Header icon="⚙" title={node.name} detail={url} node={node} />
      <JsonBlock value={node.input} />
      <ResultBlock node={node} />
    </>
  );
}

/** One tool call with its result (paired by tool_use_id), drawn by a widget for its tool. */
export const ToolCall = memo(function ToolCall({ node, collapsed, onToggle }: { node: ToolNode; rev: number; collapsed: boolean; onToggle(key: string): void }): ReactNode {
  const mcp = parseMcpName(node.name);
  let body: ReactNode;
  if (mcp && node.caller) body = <ClientTool node={node} tool={mcp.tool} />;
  else if (mcp) body = <McpTool node={node} mcp={mcp} />;
  else if (isTaskTool(node.name)) body = <TaskTool node={node} collapsed={collapsed} onToggle={() => onToggle(node.key)} />;
  else if (node.name === 'Bash') body = <BashTool node={node} />;
  else if (node.name === 'Read') body = <ReadTool node={node} />;
  else if (node.name === 'Write') body = <WriteTool node={node} />;
  else if (node.name === 'Edit' || node.name === 'MultiEdit') body = <EditTool node={node} />;
  else if (node.name === 'Grep' || node.name === 'Glob' || node.name === 'LS') body = <SearchTool node={node} />;
  else if (node.name === 'TodoWrite') body = <TodoTool node={node} />;
  else body = <GenericTool node={node} />;
  const state = node.result ? (node.result.isError ? 'error' : 'done') : callerState(node) ?? 'running';
  return (
    <div className={`tool tool-${state}`} data-tool={node.name} data-tool-use-id={node.toolUseId} data-state={state}>
      {body}
      {node.approval ? <ApprovalLine approval={node.approval} /> : null}
    </div>
  );
});

const OUTCOME_TEXT: Record<ApprovalOutcome, string> = {
  allow_once: 'allowed once',
  allow_conversation: 'allowed for this conversation',
  allow_project: 'always allowed in this project',
  deny: 'denied',
  timeout: 'denied: no decision in time (APPROVAL_TIMEOUT_S)',
  withdrawn: 'withdrawn: the request ended',
};

/** Live approvals: the call asked the user; while it waits the card (top of the page) decides it. */
function ApprovalLine({ approval: a }: { approval: ToolApproval }): ReactNode {
  const allowed = a.outcome === 'allow_once' || a.outcome === 'allow_conversation' || a.outcome === 'allow_project';
  return (
    <div className={`approval-line ${a.outcome === null ? 'waiting' : allowed ? 'allowed' : 'denied'}`} data-testid="approval-line" data-outcome={a.outcome ?? 'waiting'}>
      {a.outcome === null ? (
        <>
          Waiting for approval — <a href={href({ page: 'approvals', id: a.id })}>decide</a>
        </>
      ) : (
        <>
          Approval: {OUTCOME_TEXT[a.outcome]}
          {a.waitedMs !== null ? <span className="muted"> after {formatDuration(a.waitedMs)}</span> : null}
          {a.rule ? <span className="mono small"> · rule {a.rule}</span> : null}
          {a.outcome === 'deny' && a.message ? <div className="muted">Claude was told: {a.message}</div> : null}
        </>
      )}
    </div>
  );
}

/** The closing answer of a Task after its nested steps. */
export function ToolEnd({ node }: { node: ToolNode }): ReactNode {
  return (
    <div className={`tool tool-end ${node.result?.isError ? 'tool-error' : ''}`} data-tool-end={node.toolUseId}>
      <div className="tool-head">
        <span className="tool-icon" aria-hidden>
          ↩
        </span>
        <span className="tool-name">{node.name} result</span>
      </div>
      <ResultBlock node={node} />
    </div>
  );
}
