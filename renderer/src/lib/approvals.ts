import { useEffect, useState } from 'react';
import type { ApprovalStreamMessage, PendingApproval } from '../../../main/contract/approvals.ts';
import type { ControlClient } from './api.ts';
import { openEventStream } from './feature-api.ts';

export const APPROVALS_PATH = '/api/approvals';

/** The pending approvals, live from /api/approvals/stream (the whole list on every change). */
export function usePendingApprovals(client: ControlClient): PendingApproval[] {
  const [pending, setPending] = useState<PendingApproval[]>([]);
  useEffect(
    () =>
      openEventStream(client, `${APPROVALS_PATH}/stream`, (event, data) => {
        if (event !== 'approvals' || !data || typeof data !== 'object' || !Array.isArray((data as ApprovalStreamMessage).pending)) return;
        setPending((data as ApprovalStreamMessage).pending);
      }),
    [client],
  );
  return pending;
}

/** "chat workspace" for a run without a project. */
export function placeLabel(project: string | null): string {
  return project ?? 'chat workspace';
}
