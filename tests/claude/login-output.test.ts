import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCode, completeLines, failureMessage, findSignInUrl, isSignInUrl, withoutCode } from '../../main/claude/login-output.ts';

const URL1 = 'https://claude.ai/oauth/authorize?z-JBzlNY2X8yTORhEtZf4ZAkxJmKp0W-Ht_vuD_UJsiVc';
const CONSOLE =
  'https://platform.claude.com/oauth/authorize?code=true&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e&response_type=code&redirect_uri=https%3A%2F%2Fplatform.claude.com%2Foauth%2Fcode%2Fcallback&state=RNU3AzRHgw5n';
// What Claude Code 2.1.330 prints on plain pipes, byte for byte (the prompt has no newline).
const PRINTED = `Opening browser to sign in…\nIf the browser didn't open, visit:\n${URL1}\nPaste code here if prompted > `;

describe('findSignInUrl', () => {
  it('the link as printed on pipes', () => {
    assert.equal(findSignInUrl(PRINTED), URL1);
    assert.equal(findSignInUrl(PRINTED.replace(URL1, CONSOLE)), CONSOLE);
  });

  it('waits while the link may still grow, at every chunk boundary', () => {
    for (let cut = 0; cut < PRINTED.length; cut++) {
      const got = findSignInUrl(PRINTED.slice(0, cut));
      // Complete only once something that cannot be part of it ("Paste code…" with its spaces) follows.
      if (got !== null) assert.equal(got, URL1, `cut at ${cut}`);
      if (cut < PRINTED.indexOf('Paste code here') + 'Paste '.length) assert.equal(got, null, `cut at ${cut}`);
    }
    assert.equal(findSignInUrl(`x\n${URL1}\n`, true), URL1);
  });

  it('tolerates colours, an OSC 8 hyperlink, CRLF and a hard-wrapped URL', () => {
    const osc = `\u001b]8;;${URL1}\u0007${URL1}\u001b]8;;\u0007`;
    assert.equal(findSignInUrl(`\u001b[1mIf the browser didn't open, visit:\u001b[22m\r\n\u001b[36m${osc}\u001b[39m\r\nPaste code here if prompted > `), URL1);
    const wrapped = [CONSOLE.slice(0, 80), CONSOLE.slice(80, 160), CONSOLE.slice(160)].join('\n');
    assert.equal(findSignInUrl(`visit:\n${wrapped}\nPaste code here if prompted > `), CONSOLE);
    assert.equal(findSignInUrl(`visit: ${URL1} (then paste the code)\n`), URL1);
  });

  it('only https authorize pages', () => {
    assert.equal(findSignInUrl('see https://example.com/docs for help\nPaste code > '), null);
    assert.equal(isSignInUrl('http://claude.ai/oauth/authorize?x'), false);
    assert.equal(isSignInUrl('https://user:pw@claude.ai/oauth/authorize?x'), false);
    assert.equal(isSignInUrl('javascript:alert(1)//https://claude.ai/oauth/authorize'), false);
    assert.equal(isSignInUrl(URL1), true);
  });
});

describe('the rest of the output', () => {
  it('complete lines, the partial one kept back', () => {
    assert.deepEqual(completeLines('a\n\u001b[31mb\u001b[0m\r\n  \nc'), { lines: ['a', 'b'], rest: 'c' });
  });

  it("failure: Claude Code's last word, not the prompt or the link", () => {
    assert.equal(failureMessage("Couldn't log in: getaddrinfo ENOTFOUND platform.claude.com\n", PRINTED, 1, null), "Couldn't log in: getaddrinfo ENOTFOUND platform.claude.com (exit code 1)");
    assert.equal(failureMessage('', PRINTED, null, 'SIGKILL'), 'Claude Code ended the sign-in (stopped by SIGKILL)');
  });

  it('a code: one piece, trimmed; the reason never repeats it', () => {
    assert.deepEqual(checkCode('  abc#def \n'), { ok: true, code: 'abc#def' });
    for (const bad of ['', '   ', 'abc def#x', 'abc\ndef', 'x'.repeat(5000)]) {
      const r = checkCode(bad);
      assert.equal(r.ok, false);
      if (!r.ok && bad.trim()) assert.ok(!r.message.includes(bad.trim().slice(0, 6)));
    }
  });

  it('a pasted code is taken out of any text shown, halves included', () => {
    assert.equal(withoutCode('refused abcdefghij#statestate1 and abcdefghij', ['abcdefghij#statestate1']), 'refused [code] and [code]');
  });
});
