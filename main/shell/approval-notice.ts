import type { PendingApproval } from '../contract/approvals.ts';

const MAX_ACTION = 80;

/**
 * The desktop notification of a pending approval: "OpenWebUI wants to run `rm -rf build/` in myrepo", and the
 * dashboard page that decides it. A Bash call shows its command; any other tool its one-line summary.
 */
export function approvalNotice(a: PendingApproval): { title: string; body: string; page: string } {
  const command = a.tool === 'Bash' && a.input && typeof a.input === 'object' && 'command' in a.input && typeof a.input.command === 'string' ? a.input.command : null;
  let action = (command ?? a.summary).split(/\r\n|[\r\n\u2028\u2029]/)[0].trim();
  if (action.length > MAX_ACTION) action = `${action.slice(0, MAX_ACTION - 1)}…`;
  const what = command !== null ? `run \`${action}\`` : `use ${action}`;
  return {
    title: 'Approval needed',
    body: `${a.client} wants to ${what} in ${a.project ?? 'a chat workspace'}`,
    page: `approvals/${encodeURIComponent(a.id)}`,
  };
}
