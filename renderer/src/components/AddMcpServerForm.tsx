import { useState, type FormEvent, type ReactNode } from 'react';
import { MCP_ROUTES } from '../../../main/contract/mcp-routes.ts';
import { useControl } from '../lib/control-context.tsx';

export function AddMcpServerForm({ onAdded }: { onAdded(name: string): void }): ReactNode {
  const { client } = useControl();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [transport, setTransport] = useState<'http' | 'sse'>('http');
  const [clientId, setClientId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.call(MCP_ROUTES.addServer, { body: { name: name.trim(), url: url.trim(), transport, ...(clientId.trim() ? { clientId: clientId.trim() } : {}) } });
      onAdded(name.trim());
      setName('');
      setUrl('');
      setClientId('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card add-server" onSubmit={(e) => void submit(e)} data-testid="add-server">
      <header>
        <h3>Add a server</h3>
        <span className="muted small">HTTP or SSE MCP server; OAuth servers then need “Log in”.</span>
      </header>
      <div className="add-row">
        <label className="field">
          <span>Name</span>
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="github" pattern="[A-Za-z0-9_-]{1,64}" />
        </label>
        <label className="field grow">
          <span>URL</span>
          <input name="url" required type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/mcp" />
        </label>
        <label className="field">
          <span>Transport</span>
          <select name="transport" value={transport} onChange={(e) => setTransport(e.target.value === 'sse' ? 'sse' : 'http')}>
            <option value="http">HTTP</option>
            <option value="sse">SSE</option>
          </select>
        </label>
        <label className="field">
          <span>OAuth client id (optional)</span>
          <input name="clientId" value={clientId} onChange={(e) => setClientId(e.target.value)} placeholder="pre-registered id" />
        </label>
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add'}
        </button>
      </div>
      {error ? <div className="err-text" role="alert">{error}</div> : null}
    </form>
  );
}
