import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureText } from '../../main/gateway/failure-text.ts';

/** Inputs are what Claude Code 2.1 and the Agent SDK really produce (seen against the scripted model API). */
describe('failure text', () => {
  it('a model API error: the cause first, once, in one sentence', () => {
    const raw = 'Claude Code failed: Claude Code returned an error result: API Error: 500 scripted 500. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:36905).';
    assert.equal(failureText(raw), 'The model API returned HTTP 500 (scripted 500) — usually temporary; try again in a moment');
    assert.equal(failureText('API Error: 529 Overloaded'), 'The model API returned HTTP 529 (Overloaded) — usually temporary; try again in a moment');
    assert.equal(failureText('API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long"}}'), 'The model API returned HTTP 400 (prompt is too long)');
  });

  it("keeps Claude Code's own cause phrase in front", () => {
    assert.equal(failureText('Claude Code returned an error result: Failed to authenticate. API Error: 401 scripted 401'), 'Failed to authenticate: the model API returned HTTP 401 (scripted 401)');
  });

  it('a crashed process: its stderr first, the exit code after', () => {
    assert.equal(failureText('Claude Code process exited with code 1. stderr: Error: invalid settings file'), 'Error: invalid settings file (Claude Code exited with code 1)');
    assert.equal(failureText('Claude Code process exited with code 137'), 'Claude Code exited with code 137');
  });

  it('anything else passes through without the wrappers', () => {
    assert.equal(failureText('Claude Code ended with error_during_execution'), 'Claude Code ended with error_during_execution');
  });

  it('no raw Node error code reaches a client (n8n replaces any message holding one with its own guess)', () => {
    assert.equal(failureText('Claude Code failed: spawn ENOENT'), 'Claude Code could not be started (program not found): check CLAUDE_PATH');
    assert.equal(failureText('API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)'), 'The model API could not be reached: connection refused — a firewall or proxy may be blocking it');
    assert.equal(failureText('Error: fetch failed (ENOTFOUND)'), 'fetch failed (host not found)');
    assert.equal(failureText('Error: EACCES: permission denied, mkdir /x'), 'permission denied, mkdir /x');
    assert.equal(failureText('read ECONNRESET'), 'read connection reset');
    assert.equal(failureText('ERRORS were found'), 'ERRORS were found', 'only real codes are replaced');
    assert.equal(failureText('Claude Code ended with error_during_execution'), 'Claude Code ended with error_during_execution');
  });
});
