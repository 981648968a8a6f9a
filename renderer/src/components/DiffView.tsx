import { useMemo, type ReactNode } from 'react';
import { lineDiff, withContext, type DiffLine } from '../lib/diff.ts';

export function DiffView({ oldText, newText, context = 3, maxLines = 400 }: { oldText: string; newText: string; context?: number; maxLines?: number }): ReactNode {
  const lines = useMemo(() => withContext(lineDiff(oldText, newText), context), [oldText, newText, context]);
  const shown = lines.slice(0, maxLines);
  const added = lines.filter((l): l is DiffLine => l !== null && l.op === '+').length;
  const removed = lines.filter((l): l is DiffLine => l !== null && l.op === '-').length;
  return (
    <div className="diff">
      <div className="diff-stat">
        <span className="add">+{added}</span> <span className="del">−{removed}</span>
      </div>
      <pre className="mono diff-body">
        {shown.map((l, i) =>
          l === null ? (
            <div key={i} className="diff-gap">⋯</div>
          ) : (
            <div key={i} className={l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : 'diff-ctx'}>
              <span className="diff-op">{l.op}</span>
              {l.text}
            </div>
          ),
        )}
        {lines.length > maxLines ? <div className="diff-gap">… {lines.length - maxLines} more lines</div> : null}
      </pre>
    </div>
  );
}
