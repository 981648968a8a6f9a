import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiKeyCreateResponse, ApiKeyListResponse, ApiKeyScope, ConfigResponse, ConfigUpdateRequest, ConfigValue, EditableConfigKey } from '../../../main/contract/control-api.ts';
import { CopyField, ErrorBox, StatusBadge } from '../components/common.tsx';
import { CONTROL_ROUTES } from '../../../main/contract/control-routes.ts';
import { PROJECT_ROUTES } from '../../../main/contract/projects-routes.ts';
import { ApiError } from '../lib/api.ts';
import { useControl } from '../lib/control-context.tsx';
import { GatewayControls } from './HealthPage.tsx';

type FieldKind = { type: 'text' } | { type: 'number' } | { type: 'list' } | { type: 'select'; options: string[] };
const FIELDS: Array<{ group: string; keys: Array<[EditableConfigKey, string, FieldKind]> }> = [
  {
    group: 'Network',
    keys: [
      ['GATEWAY_HOST', 'Listen address', { type: 'text' }],
      ['GATEWAY_PORT', 'Gateway port', { type: 'number' }],
      ['OAUTH_CALLBACK_PORT', 'OAuth callback port', { type: 'number' }],
    ],
  },
  {
    group: 'Claude Code',
    keys: [
      ['CLAUDE_RUNTIME', 'Runtime', { type: 'select', options: ['local', 'docker'] }],
      ['CLAUDE_MODEL', 'Default model', { type: 'text' }],
      ['GATEWAY_MODELS', 'Models listed on /v1/models', { type: 'list' }],
      ['CLAUDE_CWD', 'Working directory (empty = DATA_DIR/workspace)', { type: 'text' }],
      ['CLAUDE_ALLOWED_TOOLS', 'Allowed tools', { type: 'list' }],
      ['CLAUDE_DISALLOWED_TOOLS', 'Disallowed tools', { type: 'list' }],
      ['CLAUDE_PERMISSION_MODE', 'Permission mode', { type: 'select', options: ['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk'] }],
      ['CLAUDE_MAX_TURNS', 'Max turns (0 = unlimited)', { type: 'number' }],
    ],
  },
  {
    group: 'Limits',
    keys: [
      ['REQUEST_TIMEOUT_S', 'Request timeout (s)', { type: 'number' }],
      ['MAX_CONCURRENT_RUNS', 'Concurrent runs', { type: 'number' }],
      ['MAX_QUEUED_RUNS', 'Queued runs', { type: 'number' }],
      ['TOOL_OUTPUT_MAX_BYTES', 'Tool output in answers (bytes)', { type: 'number' }],
    ],
  },
  {
    group: 'Docker runtime',
    keys: [
      ['COMPOSE_FILE', 'Compose file', { type: 'text' }],
      ['COMPOSE_PROJECT', 'Compose project', { type: 'text' }],
      ['COMPOSE_SERVICE', 'Compose service', { type: 'text' }],
      ['DOCKER_IMAGE', 'Image', { type: 'text' }],
    ],
  },
  { group: 'Logging', keys: [['LOG_LEVEL', 'Log level', { type: 'select', options: ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] }]] },
];

function toInput(v: ConfigValue | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function fromInput(kind: FieldKind, s: string): ConfigValue {
  if (kind.type === 'number') return s.trim() === '' ? s : Number(s);
  if (kind.type === 'list') return s.split(',').map((x) => x.trim()).filter(Boolean);
  return s;
}

export function ConnectSection({ createdKey }: { createdKey: string | null }): ReactNode {
  const { info } = useControl();
  const v1 = info.gateway.v1Url;
  const port = new URL(info.gateway.url).port || '80';
  const key = createdKey ?? (info.apiKeyRequired ? '<create a key below — it is shown once>' : 'any-value (no key required on loopback)');
  return (
    <section className="card wide-card" data-testid="connect">
      <header>
        <h3>Connect a client</h3>
        <StatusBadge status={info.gateway.state === 'running' ? 'ok' : info.gateway.state} />
      </header>
      <CopyField label="OpenAI base URL" value={v1} testId="base-url" />
      <CopyField label="API key" value={key} secret={createdKey !== null} testId="connect-key" />
      <div className="howto">
        <h4>OpenWebUI</h4>
        <p>
          Admin Settings → Connections → OpenAI API → add a connection with the base URL and key above. OpenWebUI running in Docker on this machine reaches the gateway at{' '}
          <code>http://host.docker.internal:{port}/v1</code> (add <code>--add-host=host.docker.internal:host-gateway</code> on Linux, and set the gateway's listen address to 0.0.0.0 with an API key).
        </p>
        <CopyField label="OpenWebUI base URL (Docker)" value={`http://host.docker.internal:${port}/v1`} />
        <h4>n8n</h4>
        <p>
          Credentials → New → OpenAI: paste the key into <em>API Key</em> and the base URL into <em>Base URL</em>. Use the “OpenAI Chat Model” node and pick a model from its list. Agentic runs can take minutes: raise the node's timeout.
        </p>
        <CopyField label="n8n Base URL" value={v1} testId="n8n-base-url" />
      </div>
    </section>
  );
}

/** A key's scope in words, as the row shows it. */
function scopeText(scope: ApiKeyScope | null): string {
  if (!scope) return 'every project and chat';
  const parts = [...scope.projects.map((p) => `@${p}`), ...(scope.chats ? ['plain chats'] : [])];
  return parts.length ? `only ${parts.join(', ')}` : 'nothing (no project, no chats)';
}

/** Unlimited, or the projects (and plain chats) a key may use: a project's model ids carry its policy mode with them. */
function ScopeEditor({ value, projects, onChange, testId }: { value: ApiKeyScope | null; projects: string[]; onChange(v: ApiKeyScope | null): void; testId: string }): ReactNode {
  const toggle = (name: string, on: boolean): void => {
    if (!value) return;
    onChange({ ...value, projects: on ? [...value.projects, name] : value.projects.filter((p) => p !== name) });
  };
  return (
    <fieldset className="scope-editor" data-testid={testId}>
      <label>
        <input type="checkbox" checked={value === null} onChange={(e) => onChange(e.target.checked ? null : { projects: [], chats: false })} /> Every project and chat
      </label>
      {value ? (
        <>
          <label>
            <input type="checkbox" checked={value.chats} onChange={(e) => onChange({ ...value, chats: e.target.checked })} /> Plain chats (own workspace)
          </label>
          {projects.map((p) => (
            <label key={p}>
              <input type="checkbox" checked={value.projects.includes(p)} onChange={(e) => toggle(p, e.target.checked)} aria-label={`Project ${p}`} /> @{p}
            </label>
          ))}
          {projects.length === 0 ? <span className="muted">No projects yet (Projects page).</span> : null}
        </>
      ) : null}
    </fieldset>
  );
}

function KeysSection({ onCreated }: { onCreated(secret: string | null): void }): ReactNode {
  const { client, refreshInfo } = useControl();
  const [keys, setKeys] = useState<ApiKeyListResponse | null>(null);
  const [projects, setProjects] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope | null>(null);
  const [editing, setEditing] = useState<{ id: string; scope: ApiKeyScope | null } | null>(null);
  const [created, setCreated] = useState<ApiKeyCreateResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (): Promise<void> => {
    try {
      setKeys(await client.call(CONTROL_ROUTES.keys));
      setProjects((await client.call(PROJECT_ROUTES.projects)).projects.map((p) => p.name));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  useEffect(() => {
    void load();
  }, [client]);
  const create = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      const c = await client.call(CONTROL_ROUTES.createKey, { body: { name: name || 'dashboard key', scope } });
      setCreated(c);
      onCreated(c.secret);
      setName('');
      setScope(null);
      await load();
      await refreshInfo();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const saveScope = async (): Promise<void> => {
    if (!editing) return;
    try {
      await client.call(CONTROL_ROUTES.updateKey, { params: { id: editing.id }, body: { scope: editing.scope } });
      setEditing(null);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const revoke = async (id: string): Promise<void> => {
    if (!window.confirm('Revoke this key? Clients using it will get 401 at once.')) return;
    try {
      await client.call(CONTROL_ROUTES.revokeKey, { params: { id } });
      if (created?.key.id === id) {
        setCreated(null);
        onCreated(null);
      }
      await load();
      await refreshInfo();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section className="card wide-card" data-testid="api-keys">
      <header>
        <h3>API keys</h3>
        <span className="muted">Once a key exists, /v1 requires one. Required when the gateway listens beyond loopback.</span>
      </header>
      {error ? <ErrorBox title="API keys" message={error} /> : null}
      {created ? (
        <div className="once" role="status">
          <strong>New key “{created.key.name}” — copy it now, it will not be shown again.</strong>
          <CopyField label="Secret" value={created.secret} testId="new-key" />
          <button type="button" className="btn ghost" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <table className="list compact">
        <tbody>
          {keys?.keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td>{k.name}</td>
              <td className="mono">{k.prefix}</td>
              <td data-testid="key-scope">
                {editing?.id === k.id ? (
                  <>
                    <ScopeEditor value={editing.scope} projects={projects} onChange={(v) => setEditing({ id: k.id, scope: v })} testId="edit-scope" />
                    <button type="button" className="btn primary" onClick={() => void saveScope()}>
                      Save scope
                    </button>{' '}
                    <button type="button" className="btn ghost" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <>
                    <span className={k.scope ? '' : 'muted'}>{scopeText(k.scope)}</span>{' '}
                    <button type="button" className="btn ghost" onClick={() => setEditing({ id: k.id, scope: k.scope })}>
                      Change scope
                    </button>
                  </>
                )}
              </td>
              <td className="muted">{new Date(k.createdAt).toLocaleString()}</td>
              <td className="num">
                <button type="button" className="btn danger" onClick={() => void revoke(k.id)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
          {keys && keys.keys.length === 0 ? (
            <tr>
              <td className="muted" colSpan={5}>
                No dashboard keys.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {keys && keys.configuredKeys > 0 ? <p className="muted">{keys.configuredKeys} more key(s) set through GATEWAY_API_KEYS (environment or config file).</p> : null}
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <input placeholder="Name, e.g. openwebui" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} aria-label="Key name" />
        <ScopeEditor value={scope} projects={projects} onChange={setScope} testId="new-key-scope" />
        <button type="submit" className="btn primary">
          Create key
        </button>
      </form>
      <p className="muted">A key limited to projects can use only their models (<code>sonnet@project</code>), so only their policy modes; “plain chats” are the models without a project, each conversation in its own workspace.</p>
    </section>
  );
}

function SettingsForm(): ReactNode {
  const { client } = useControl();
  const [cfg, setCfg] = useState<ConfigResponse | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [msg, setMsg] = useState<{ ok: boolean; text: string; issues?: Array<{ key: string; message: string }> } | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    client.call(CONTROL_ROUTES.config).then(
      (c) => setCfg(c),
      (err: unknown) => setMsg({ ok: false, text: err instanceof Error ? err.message : String(err) }),
    );
  }, [client]);
  if (!cfg) return <section className="card wide-card">{msg ? <ErrorBox title="Settings" message={msg.text} /> : <span className="muted">Loading settings…</span>}</section>;
  const shown = (k: EditableConfigKey): string => draft[k] ?? toInput(cfg.pending[k] ?? cfg.values[k]);
  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const patch: ConfigUpdateRequest = {};
    for (const g of FIELDS) for (const [k, , kind] of g.keys) if (draft[k] !== undefined) patch[k] = fromInput(kind, draft[k]);
    if (Object.keys(patch).length === 0) return setMsg({ ok: true, text: 'Nothing changed.' });
    setSaving(true);
    try {
      const res = await client.call(CONTROL_ROUTES.updateConfig, { body: patch });
      setCfg(res);
      setDraft({});
      setMsg({ ok: true, text: res.restartRequired.length ? `Saved to ${res.file}. Restart the app to apply: ${res.restartRequired.join(', ')}.` : `Saved to ${res.file}.` });
    } catch (err) {
      setMsg({ ok: false, text: err instanceof Error ? err.message : String(err), issues: err instanceof ApiError ? err.issues : undefined });
    } finally {
      setSaving(false);
    }
  };
  const issueFor = (k: string): string | undefined => msg?.issues?.find((i) => i.key === k)?.message;
  return (
    <form className="card wide-card settings" onSubmit={(e) => void save(e)} data-testid="settings-form">
      <header>
        <h3>Settings</h3>
        <span className="muted">Saved to {cfg.file}; they apply on the next start.</span>
      </header>
      {FIELDS.map((g) => (
        <fieldset key={g.group}>
          <legend>{g.group}</legend>
          {g.keys.map(([k, label, kind]) => {
            const env = cfg.fromEnv.includes(k);
            const pending = cfg.pending[k] !== undefined;
            return (
              <label key={k} className={`field ${issueFor(k) ? 'has-error' : ''}`}>
                <span>
                  {label} <code className="muted">{k}</code>
                  {env ? <span className="chip">set by environment</span> : null}
                  {pending ? <span className="chip warn">restart to apply</span> : null}
                </span>
                {kind.type === 'select' ? (
                  <select value={shown(k)} disabled={env} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}>
                    {kind.options.map((o) => (
                      <option key={o}>{o}</option>
                    ))}
                  </select>
                ) : (
                  <input type={kind.type === 'number' ? 'number' : 'text'} value={shown(k)} disabled={env} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
                )}
                {issueFor(k) ? <span className="err-text small">{issueFor(k)}</span> : null}
              </label>
            );
          })}
        </fieldset>
      ))}
      {msg ? <div className={msg.ok ? 'banner ok' : 'banner err'}>{msg.text}</div> : null}
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" className="btn ghost" onClick={() => { setDraft({}); setMsg(null); }}>
          Discard changes
        </button>
      </div>
    </form>
  );
}

/** Connection details for OpenWebUI and n8n, API keys, gateway control and the editable settings. */
export function SettingsPage(): ReactNode {
  const { info } = useControl();
  const [createdKey, setCreatedKey] = useState<string | null>(null);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Settings &amp; connect</h1>
      </div>
      <ConnectSection createdKey={createdKey} />
      <KeysSection onCreated={setCreatedKey} />
      <section className="card wide-card">
        <header>
          <h3>Gateway</h3>
          <StatusBadge status={info.gateway.state === 'running' ? 'ok' : info.gateway.state} />
        </header>
        <p className="muted">
          Listening on <span className="mono">{info.gateway.url}</span>
          {info.gateway.exposed ? ' — beyond loopback: other machines can reach /v1 (with a key); this dashboard answers only this machine.' : ' (this machine only).'}
          {info.gateway.reason ? ` ${info.gateway.reason}.` : ''} Stopping the gateway makes /v1 answer 503; the dashboard stays up.
        </p>
        <GatewayControls />
      </section>
      <SettingsForm />
    </div>
  );
}
