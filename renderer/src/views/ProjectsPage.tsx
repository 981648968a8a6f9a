import { Fragment, useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { AllowRulePlace } from '../../../main/contract/approvals.ts';
import { APPROVAL_ROUTES } from '../../../main/contract/approvals-routes.ts';
import { POLICY_MODES, type ChatWorkspace, type PolicyMode, type ProjectEntry, type WorkspaceListResponse } from '../../../main/contract/projects.ts';
import { PROJECT_ROUTES, WORKSPACE_ROUTES } from '../../../main/contract/projects-routes.ts';
import { ErrorBox } from '../components/common.tsx';
import { FolderLink } from '../components/FolderLink.tsx';
import { useControl } from '../lib/control-context.tsx';
import { desktopBridge } from '../lib/control.ts';
import { relativeTime } from '../lib/format.ts';
import './feature-pages.css';

const MODE_TEXT: Record<PolicyMode, string> = {
  'read-only': 'read-only: no commands, no writes',
  sandboxed: 'sandboxed: commands confined to the folder',
  full: 'full: unconfined (your user’s rights)',
};

interface Draft {
  name: string;
  folder: string;
  mode: PolicyMode;
  /** ProjectPolicy.trustFolderConfig */
  trust: boolean;
}

/** Add or change a project: a name, a folder (the system picker in the desktop app, a path in a browser), a mode. */
function ProjectForm({ initial, onSaved, onCancel }: { initial: ProjectEntry | null; onSaved(): void; onCancel?(): void }): ReactNode {
  const { client } = useControl();
  const bridge = desktopBridge();
  const [draft, setDraft] = useState<Draft>({ name: initial?.name ?? '', folder: initial?.folder ?? '', mode: initial?.policy.mode ?? 'sandboxed', trust: initial?.policy.trustFolderConfig === true });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name: draft.name.trim(), folder: draft.folder.trim(), policy: { ...(initial?.policy ?? {}), mode: draft.mode, trustFolderConfig: draft.trust } };
      if (initial) await client.call(PROJECT_ROUTES.updateProject, { params: { name: initial.name }, body });
      else await client.call(PROJECT_ROUTES.addProject, { body });
      if (!initial) setDraft({ name: '', folder: '', mode: 'sandboxed', trust: false });
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const pick = (): void => {
    void bridge?.pickFolder().then((f) => {
      if (f) setDraft((d) => ({ ...d, folder: f, name: d.name || suggestName(f) }));
    });
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-testid={initial ? 'edit-project' : 'add-project'}>
      <header>
        <h3>{initial ? `Change ${initial.name}` : 'Add a project'}</h3>
        <span className="muted small">Its runs work in the folder; pick it as model <code>sonnet@{draft.name || 'name'}</code>.</span>
      </header>
      <div className="add-row">
        <label className="field">
          <span>Name</span>
          <input name="name" aria-label="Name" required value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} placeholder="myrepo" pattern="[a-z0-9][a-z0-9._\-]{0,62}" title="lower-case letters, digits, . _ -" />
        </label>
        <label className="field grow">
          <span>Folder</span>
          <input name="folder" aria-label="Folder" required value={draft.folder} onChange={(e) => setDraft({ ...draft, folder: e.target.value })} placeholder="/home/me/src/myrepo" className="mono" />
        </label>
        {bridge ? (
          <button type="button" className="btn" onClick={pick}>
            Choose…
          </button>
        ) : null}
        <label className="field">
          <span>Policy</span>
          <select name="mode" aria-label="Policy" value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: POLICY_MODES.find((m) => m === e.target.value) ?? 'sandboxed' })}>
            {POLICY_MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_TEXT[m]}
              </option>
            ))}
          </select>
        </label>
        {draft.mode !== 'full' ? (
          <label className="field check" title="Its .mcp.json servers and .claude/settings.json hooks start outside the sandbox: only for a folder whose files you trust. Under full they always load.">
            <input type="checkbox" name="trustFolderConfig" aria-label="Trust the folder's Claude Code configuration" checked={draft.trust} onChange={(e) => setDraft({ ...draft, trust: e.target.checked })} />
            <span>Load its .mcp.json, .claude/ and CLAUDE.md</span>
          </label>
        ) : null}
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Saving…' : initial ? 'Save' : 'Add'}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {error ? (
        <div className="err-text" role="alert">
          {error}
        </div>
      ) : null}
    </form>
  );
}

function suggestName(folder: string): string {
  const base = folder.split(/[\\/]/).filter(Boolean).pop() ?? '';
  return base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
}

/** One rule as a chip, with a remove button when the app may change it. */
function RuleChip({ rule, onRemove }: { rule: string; onRemove?: () => void }): ReactNode {
  return (
    <span className="rule-chip" data-rule={rule}>
      <code>{rule}</code>
      {onRemove ? (
        <button type="button" className="rule-remove" aria-label={`Remove rule ${rule}`} title="Remove this rule" onClick={onRemove}>
          ×
        </button>
      ) : null}
    </span>
  );
}

/**
 * What runs without asking in one place: the policy's allow list (empty = the configured CLAUDE_ALLOWED_TOOLS) and
 * the "always allow" grants kept beside it (config-file projects, chat workspaces).
 */
function AllowRules({ allow, editable, granted, onRemoveAllow, onRemoveGranted }: {
  allow: string[] | null;
  editable: boolean;
  granted: string[];
  onRemoveAllow(rule: string): void;
  onRemoveGranted(rule: string): void;
}): ReactNode {
  return (
    <div className="allow-rules">
      {allow !== null ? (
        <div data-testid="policy-allow">
          <span className="muted small">Runs without asking: </span>
          {allow.length === 0 ? (
            <span className="muted small">the configured default (CLAUDE_ALLOWED_TOOLS and the MCP servers’ tools)</span>
          ) : (
            allow.map((r) => <RuleChip key={r} rule={r} {...(editable ? { onRemove: () => onRemoveAllow(r) } : {})} />)
          )}
        </div>
      ) : null}
      {granted.length ? (
        <div data-testid="granted-rules">
          <span className="muted small">Always allowed from approvals: </span>
          {granted.map((r) => <RuleChip key={r} rule={r} onRemove={() => onRemoveGranted(r)} />)}
        </div>
      ) : null}
    </div>
  );
}

/** Projects (a name, a folder, a policy; listed as `<model>@<name>` models) and the chats' own workspaces. */
export function ProjectsPage(): ReactNode {
  const { client } = useControl();
  const [projects, setProjects] = useState<ProjectEntry[] | null>(null);
  const [workspaces, setWorkspaces] = useState<WorkspaceListResponse | null>(null);
  const [granted, setGranted] = useState<AllowRulePlace[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = Date.now();

  const load = useCallback(async (): Promise<void> => {
    try {
      // The workspace list and the grants are side tables: the projects show even when they cannot be read.
      const [p, w, g] = await Promise.all([
        client.call(PROJECT_ROUTES.projects),
        client.call(WORKSPACE_ROUTES.workspaces).catch(() => null),
        client.call(APPROVAL_ROUTES.rules).catch(() => null),
      ]);
      setProjects(p.projects);
      if (w) setWorkspaces(w);
      if (g) setGranted(g.places);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [client]);
  useEffect(() => {
    void load();
  }, [load]);

  const remove = async (name: string): Promise<void> => {
    if (!window.confirm(`Remove project ${name}? Its folder stays as it is.`)) return;
    await client.call(PROJECT_ROUTES.removeProject, { params: { name } }).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    await load();
  };
  // An app project's own rule: the policy is saved without it (an emptied list means the configured default again).
  const removeAllow = async (p: ProjectEntry, rule: string): Promise<void> => {
    const body = { name: p.name, folder: p.folder, policy: { ...p.policy, allow: p.policy.allow.filter((r) => r !== rule) } };
    await client.call(PROJECT_ROUTES.updateProject, { params: { name: p.name }, body }).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    await load();
  };
  const removeGranted = async (project: string | null, rule: string): Promise<void> => {
    await client.call(APPROVAL_ROUTES.removeRule, { body: { project, rule } }).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    await load();
  };
  const grantedFor = (project: string | null): string[] => granted.find((g) => g.project === project)?.rules ?? [];
  const pin = async (w: ChatWorkspace): Promise<void> => {
    await client.call(w.pinned ? WORKSPACE_ROUTES.unpin : WORKSPACE_ROUTES.pin, { params: { id: w.id } }).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    await load();
  };

  return (
    <div className="page feature-page projects-page">
      <div className="page-head">
        <h1>Projects</h1>
        <span className="muted small">Each project appears in <code>/v1/models</code> as <code>&lt;model&gt;@&lt;project&gt;</code>; plain models work in a folder of their chat’s own.</span>
      </div>
      {error ? <ErrorBox title="Projects" message={error} /> : null}
      <ProjectForm initial={null} onSaved={() => void load()} />
      {projects === null ? (
        <div className="muted pad">Loading…</div>
      ) : projects.length === 0 ? (
        <div className="muted pad" data-testid="no-projects">No projects yet: add one above, or list them under PROJECTS in the config file.</div>
      ) : (
        <table className="list compact" data-testid="projects">
          <thead>
            <tr>
              <th>Name</th>
              <th className="wide">Folder</th>
              <th>Policy</th>
              <th>Models</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {projects.map((p) =>
              editing === p.name ? (
                <tr key={p.name}>
                  <td colSpan={5}>
                    <ProjectForm initial={p} onSaved={() => { setEditing(null); void load(); }} onCancel={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <Fragment key={p.name}>
                <tr data-project={p.name}>
                  <td>
                    <strong>{p.name}</strong>
                    {p.source === 'config' ? <div className="muted small">config file</div> : null}
                  </td>
                  <td className="wide">
                    <FolderLink folder={p.folder} />
                  </td>
                  <td>
                    <span className={`badge ${p.policy.mode === 'full' ? 'badge-interrupted' : p.policy.mode === 'read-only' ? 'badge-ok' : 'badge-running'}`} title={MODE_TEXT[p.policy.mode]}>
                      {p.policy.mode === 'full' ? '⚠ full' : p.policy.mode}
                    </span>
                    {p.policy.trustFolderConfig && p.policy.mode !== 'full' ? (
                      <span className="badge" data-testid="trusts-folder-config" title="Its .mcp.json servers, .claude/ settings and hooks, and CLAUDE.md are loaded">
                        folder config
                      </span>
                    ) : null}
                  </td>
                  <td className="mono small">{p.modelIds.join(', ')}</td>
                  <td>
                    {p.source === 'app' ? (
                      <div className="actions">
                        <button type="button" className="btn" onClick={() => setEditing(p.name)}>
                          Edit
                        </button>
                        <button type="button" className="btn danger" onClick={() => void remove(p.name)}>
                          Remove
                        </button>
                      </div>
                    ) : (
                      <span className="muted small">change it in the config file</span>
                    )}
                  </td>
                </tr>
                <tr className="rules-row" data-project-rules={p.name}>
                  <td colSpan={5}>
                    <AllowRules
                      allow={p.policy.allow}
                      editable={p.source === 'app'}
                      granted={grantedFor(p.name)}
                      onRemoveAllow={(r) => void removeAllow(p, r)}
                      onRemoveGranted={(r) => void removeGranted(p.name, r)}
                    />
                  </td>
                </tr>
                </Fragment>
              ),
            )}
          </tbody>
        </table>
      )}
      <section>
        <h2>Chat workspaces</h2>
        <p className="muted small">
          Without a project, each chat works in a folder of its own. Folders unused for {workspaces ? `${Math.round(workspaces.ttlS / 3600)} h` : 'SESSION_TTL_S'} (SESSION_TTL_S) are removed unless pinned.
        </p>
        <div data-project-rules="(chat workspaces)">
          <AllowRules allow={null} editable={false} granted={grantedFor(null)} onRemoveAllow={() => undefined} onRemoveGranted={(r) => void removeGranted(null, r)} />
        </div>
      </section>
      {workspaces && workspaces.workspaces.length > 0 ? (
        <table className="list compact" data-testid="workspaces">
          <thead>
            <tr>
              <th className="wide">Folder</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {workspaces.workspaces.map((w) => (
              <tr key={w.id}>
                <td className="wide">
                  <FolderLink folder={w.folder} />
                </td>
                <td title={w.lastUsedAt}>{relativeTime(w.lastUsedAt, now)}</td>
                <td>
                  <div className="actions">
                    {w.pinned ? <span className="badge badge-ok">pinned</span> : null}
                    <button type="button" className="btn" onClick={() => void pin(w)}>
                      {w.pinned ? 'Unpin' : 'Pin'}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted pad">No chat workspaces yet.</div>
      )}
    </div>
  );
}
