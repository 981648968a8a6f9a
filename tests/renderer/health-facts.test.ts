/** The Health cards' facts: people's words for each component's details, never JSON. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ComponentHealth } from '../../main/contract/control-api.ts';
import { componentFacts, liveConversationsText, warmStart } from '../../renderer/src/lib/health-facts.ts';

const since = '2026-12-01T10:00:00.000Z';
const comp = (name: string, details: Record<string, unknown>): ComponentHealth => ({ name, status: 'ok', reason: null, since, details });
const asText = (c: ComponentHealth): string => componentFacts(c).map((f) => `${f.label}: ${f.value}`).join(' | ');

describe('componentFacts', () => {
  test('Claude Code: version, where it runs, the credential sentence, warm start as a count', () => {
    const text = asText(comp('claude', {
      version: '2.1.330', runtime: 'local', authenticated: 'API key (ANTHROPIC_API_KEY saved in the app)',
      spares: { size: 1, parked: 0, bound: 1, starting: 0, claims: 0, fallbacks: 0, misses: 0, lastError: null, disabled: null },
    }));
    assert.equal(text, 'Version: 2.1.330 | Runs: on this machine | Credential: API key (ANTHROPIC_API_KEY saved in the app) | Warm start: 1 ready');
    assert.ok(!text.includes('{'));
  });

  test('warm start: off, ready/starting/served, or why it was turned off', () => {
    assert.equal(warmStart(null), 'off');
    // Spares listed ahead with the tools new chats keep bringing (OpenWebUI's built-in tools, an n8n agent's).
    assert.equal(warmStart({ size: 2, parked: 0, bound: 2, listed: 1, starting: 0, claims: 3 }), "2 ready (1 with the chats' tools listed) · 3 served");
    assert.equal(warmStart({ size: 0 }), 'off');
    assert.equal(warmStart({ size: 2, parked: 1, bound: 0, starting: 1, claims: 4 }), '1 ready, 1 starting · 4 served');
    assert.equal(warmStart({ size: 1, disabled: '3 claims in a row were refused' }), 'off: 3 claims in a row were refused');
  });

  test('Claude account: the method in words, the saved credential hint, no empty rows', () => {
    const facts = componentFacts(comp('claude-auth', { method: 'claude.ai', provider: 'firstParty', subscription: 'max', expiresAt: null, saved: null, checkedAt: since }));
    assert.deepEqual(facts.map((f) => f.label), ['Method', 'Plan', 'Checked']);
    assert.equal(facts[0].value, 'Claude subscription');
    assert.equal(asText(comp('claude-auth', { method: 'third_party', provider: 'bedrock' })), 'Method: Amazon Bedrock');
    assert.equal(asText(comp('claude-auth', { method: 'api_key', saved: 'sk-ant-api03-…XYZ4 (API key, not encrypted, file permissions only)' })), 'Method: API key | Saved in the app: sk-ant-api03-…XYZ4 (API key, not encrypted, file permissions only)');
  });

  test('transcripts, OAuth listener, docker, and an unknown component with nested details', () => {
    assert.equal(asText(comp('transcripts', { dir: '/d/transcripts', count: 1 })), 'Stored: 1 transcript | Folder: /d/transcripts');
    assert.equal(
      asText(comp('oauth-listener', { status: 'listening', redirectUri: 'http://localhost:8888/callback', pendingLogins: [], completed: 2, failed: 1, relayTarget: 'local Claude Code' })),
      'Callback: http://localhost:8888/callback | Waiting sign-ins: 0 | Completed / failed: 2 / 1 | Hands callbacks to: local Claude Code',
    );
    assert.equal(asText(comp('docker', { project: 'ccg', services: [{ service: 'claude', state: 'running', health: 'healthy' }] })), 'Project: ccg | Containers: claude: running (healthy)');
    assert.equal(asText(comp('model-api', { status: 529, error: 'overloaded', attempt: 2, maxRetries: 10 })), 'Last answer: HTTP 529 (overloaded) | Retry: 2 of 10');
    assert.equal(asText(comp('something-new', { note: 'plain', n: 3, nested: { a: 1 } })), 'note: plain | n: 3');
  });

  test('sandbox: the chat workspaces\' policy and the sandbox tools in words', () => {
    assert.equal(
      asText(comp('sandbox', { defaultPolicy: 'sandboxed', setting: 'auto', full: false, policy: 'sandboxed (…)', dependencies: 'bwrap: /usr/bin/bwrap, socat: missing', allowedDomains: 'the model API only' })),
      'Chat workspaces: sandboxed (…) | Setting: DEFAULT_POLICY=auto | Sandbox tools: bwrap: /usr/bin/bwrap, socat: missing | Commands may reach: the model API only',
    );
    assert.ok(!asText(comp('sandbox', { defaultPolicy: 'full', setting: 'full', full: true, policy: 'full (unconfined)', dependencies: 'x' })).includes('Commands may reach'));
  });
});

describe('liveConversationsText', () => {
  test('count, limit, and per conversation its model and idle time (no prompt text exists to show)', () => {
    assert.equal(
      liveConversationsText({ count: 2, limit: 35, keepAliveS: 300, conversations: [{ model: 'opus', state: 'answering', idleS: 0 }, { model: 'sonnet', state: 'idle', idleS: 12 }] }),
      '2 live conversations (limit 35): opus answering, sonnet idle 12 s',
    );
    assert.equal(liveConversationsText({ count: 0, limit: 4, keepAliveS: 300, conversations: [] }), '0 live conversations (limit 4)');
  });
  test('off: limit 0, or a runtime that keeps none', () => {
    assert.equal(liveConversationsText({ count: 0, limit: 0, keepAliveS: 300, conversations: [] }), 'live conversations off');
    assert.equal(liveConversationsText(null), 'live conversations off');
  });
});
