import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyRuleMatches, ruleFor, ruleMatches } from '../../main/approvals/rules.ts';

describe('approval rules (Claude Code rule syntax)', () => {
  it('a bare tool name covers every call of it, and only that tool', () => {
    assert.ok(ruleMatches('WebFetch', 'WebFetch', { url: 'http://127.0.0.1/' }));
    assert.ok(!ruleMatches('WebFetch', 'WebSearch', { query: 'x' }));
    assert.ok(ruleMatches('mcp__github__search', 'mcp__github__search', {}));
  });

  it('Bash(exact) matches that command only; Bash(prefix:*) every command starting with it', () => {
    assert.ok(ruleMatches('Bash(rm -rf build/)', 'Bash', { command: 'rm -rf build/' }));
    assert.ok(!ruleMatches('Bash(rm -rf build/)', 'Bash', { command: 'rm -rf build/ ~' }));
    assert.ok(ruleMatches('Bash(npm test:*)', 'Bash', { command: 'npm test -- --watch' }));
    assert.ok(!ruleMatches('Bash(npm test:*)', 'Bash', { command: 'npm install' }));
    assert.ok(!ruleMatches('Bash(npm test:*)', 'Bash', {}));
  });

  it('Tool(value) compares the main argument of other tools', () => {
    assert.ok(ruleMatches('Write(/tmp/a.txt)', 'Write', { file_path: '/tmp/a.txt', content: 'x' }));
    assert.ok(!ruleMatches('Write(/tmp/a.txt)', 'Write', { file_path: '/tmp/b.txt' }));
  });

  it('anyRuleMatches names the rule that applied', () => {
    assert.equal(anyRuleMatches(['Read', 'Bash(ls:*)'], 'Bash', { command: 'ls -la' }), 'Bash(ls:*)');
    assert.equal(anyRuleMatches(['Read'], 'Bash', { command: 'ls' }), null);
  });

  it('"always allow" writes the exact Bash command, never all of Bash; other tools as a whole', () => {
    assert.equal(ruleFor('Bash', { command: 'rm -rf build/' }), 'Bash(rm -rf build/)');
    assert.equal(ruleFor('WebFetch', { url: 'https://example.com' }), 'WebFetch');
    // Parentheses and newlines stay inside the rule: it still names exactly that command.
    assert.equal(ruleFor('Bash', { command: 'echo (a)' }), 'Bash(echo (a))');
    assert.ok(ruleMatches('Bash(echo (a))', 'Bash', { command: 'echo (a)' }));
    assert.ok(ruleMatches(ruleFor('Bash', { command: 'a\nb' }) ?? '', 'Bash', { command: 'a\nb' }));
    // No command to name: no rule at all (the call is allowed once), never the whole tool.
    assert.equal(ruleFor('Bash', {}), null);
  });
});
