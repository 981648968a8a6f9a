import { useEffect, useState } from 'react';
import type { PendingApproval } from '../../../main/contract/approvals.ts';
import { APPROVAL_STREAMS } from '../../../main/contract/approvals-routes.ts';
import type { ControlClient } from './api.ts';
import { openStream } from './stream.ts';

/** The pending approvals, live from /api/approvals/stream (the whole list on every change). */
export function usePendingApprovals(client: ControlClient): PendingApproval[] {
  const [pending, setPending] = useState<PendingApproval[]>([]);
  useEffect(() => openStream(client, APPROVAL_STREAMS.pending, { onEvent: (e) => setPending(e.data.pending) }), [client]);
  return pending;
}

/** "chat workspace" for a run without a project. */
export function placeLabel(project: string | null): string {
  return project ?? 'chat workspace';
}
