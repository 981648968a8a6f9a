import { useState, type ReactNode } from 'react';
import { desktopBridge } from '../lib/control.ts';

/**
 * A run's folder: in the desktop app a button opens it in the file manager (the bridge opens only project and chat
 * workspace folders); in a browser the path with a copy button, since a web page cannot open local folders.
 */
export function FolderLink({ folder }: { folder: string }): ReactNode {
  const bridge = desktopBridge();
  const [note, setNote] = useState<string | null>(null);
  const open = (): void => {
    void bridge?.openFolder(folder).then((ok) => setNote(ok ? null : 'could not open it'));
  };
  const copy = (): void => {
    void navigator.clipboard.writeText(folder).then(
      () => setNote('copied'),
      () => setNote('copy failed: select the path'),
    );
  };
  return (
    <span className="folder-link" data-testid="folder-link">
      <code className="mono small" title={folder}>{folder}</code>{' '}
      {bridge ? (
        <button type="button" className="btn small" onClick={open}>
          Open folder
        </button>
      ) : (
        <button type="button" className="btn small" onClick={copy} aria-label={`Copy ${folder}`}>
          Copy path
        </button>
      )}
      {note ? <span className="muted small"> {note}</span> : null}
    </span>
  );
}
