import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PendingApproval } from '../../main/contract/approvals.ts';
import { approvalNotice } from '../../main/shell/approval-notice.ts';

const base: PendingApproval = {
  id: 'appr_x/1', requestId: 'chatcmpl-1', toolUseId: 'toolu_1', tool: 'Bash', input: { command: 'rm -rf build/' }, summary: 'Bash: rm -rf build/',
  project: 'myrepo', client: 'OpenWebUI', conversation: 'c1', createdAt: '', expiresAt: '',
};

describe('approvalNotice', () => {
  it('names client, command and project, and opens that approval', () => {
    assert.deepEqual(approvalNotice(base), { title: 'Approval needed', body: 'OpenWebUI wants to run `rm -rf build/` in myrepo', page: 'approvals/appr_x%2F1' });
  });
  it('chat workspaces, other tools, long and multi-line commands', () => {
    assert.equal(approvalNotice({ ...base, project: null, client: 'n8n', tool: 'WebFetch', input: { url: 'https://x.test' }, summary: 'WebFetch: https://x.test' }).body, 'n8n wants to use WebFetch: https://x.test in a chat workspace');
    const long = approvalNotice({ ...base, input: { command: `echo ${'a'.repeat(200)}\nrm -rf /` } }).body;
    assert.ok(!long.includes('rm -rf /'), 'only the first line');
    assert.match(long, /^OpenWebUI wants to run `echo a+…` in myrepo$/);
  });
});
