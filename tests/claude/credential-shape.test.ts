/** Which pasted values the app accepts as a Claude credential, and the hint that stands in for one afterwards. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCredential, hasCustomEndpoint, maskSecret } from '../../main/claude/credential-shape.ts';

const KEY = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-XYZ4';
const TOKEN = 'sk-ant-oat01-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-T0K3';
const anthropic = { customEndpoint: false };
const proxy = { customEndpoint: true };

describe('checkCredential', () => {
  test('an Anthropic API key and a setup-token OAuth token pass, trimmed of the paste newline', () => {
    assert.deepEqual(checkCredential('api_key', `  ${KEY}\n`, anthropic), { ok: true, value: KEY });
    assert.deepEqual(checkCredential('oauth_token', `${TOKEN}\r\n`, anthropic), { ok: true, value: TOKEN });
  });

  test('each kind pasted into the other field is named, without repeating the value', () => {
    const asKey = checkCredential('api_key', TOKEN, anthropic);
    const asToken = checkCredential('oauth_token', KEY, anthropic);
    assert.equal(asKey.ok, false);
    assert.equal(asToken.ok, false);
    assert.match(asKey.ok ? '' : asKey.message, /OAuth token/);
    assert.match(asToken.ok ? '' : asToken.message, /API key/);
    for (const r of [asKey, asToken]) assert.ok(!JSON.stringify(r).includes('AbCdEf'));
  });

  test('empty, spaced, multi-line, control characters, too short or too long are refused', () => {
    for (const bad of ['', '   ', 'sk-ant-api03-abc def123456789', `${KEY}\n${KEY}`, 'sk-ant-api03-\u0000abcdefghij', 'sk-ant-api03-' + 'a'.repeat(600), 'sk-1', 'sk-ant-api03-ключключключ']) {
      const r = checkCredential('api_key', bad, proxy);
      assert.equal(r.ok, false, JSON.stringify(bad));
    }
  });

  test('a key of another service only when ANTHROPIC_BASE_URL names another endpoint; OAuth tokens always Anthropic-shaped', () => {
    assert.equal(checkCredential('api_key', 'sk-or-v1-0123456789abcdef', anthropic).ok, false);
    assert.deepEqual(checkCredential('api_key', 'sk-or-v1-0123456789abcdef', proxy), { ok: true, value: 'sk-or-v1-0123456789abcdef' });
    assert.equal(checkCredential('api_key', 'sk-ant-admin01-0123456789abcdef', anthropic).ok, false, 'against Anthropic, only its API key shape');
    assert.equal(checkCredential('oauth_token', 'litellm-0123456789abcdef', proxy).ok, false);
  });

  test('behind a proxy any key of 8–512 printable characters is accepted, as documented (only a setup token is named as one)', () => {
    for (const key of ['sk-ant-admin01-0123456789abcdef', 'sk-ant-api03-abc.def/ghi+jkl=', 'sk-ant-api03-short', 'sk-ant-x', 'key:with=punct!', 'x'.repeat(512)]) {
      assert.deepEqual(checkCredential('api_key', key, proxy), { ok: true, value: key }, key);
    }
    assert.match(JSON.stringify(checkCredential('api_key', TOKEN, proxy)), /OAuth token/);
  });

  test('hasCustomEndpoint: unset or api.anthropic.com is Anthropic, anything else a proxy', () => {
    assert.equal(hasCustomEndpoint({}), false);
    assert.equal(hasCustomEndpoint({ ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }), false);
    assert.equal(hasCustomEndpoint({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000' }), true);
  });
});

describe('maskSecret', () => {
  test('the public prefix and the last 4 characters, never more', () => {
    assert.equal(maskSecret(KEY), 'sk-ant-api03-…XYZ4');
    assert.equal(maskSecret(TOKEN), 'sk-ant-oat01-…T0K3');
    assert.equal(maskSecret('sk-or-v1-0123456789abcdefWXYZ'), 'sk-…WXYZ');
    assert.equal(maskSecret('sk-ant-api03-short'), 'sk-ant-api03-…', 'a short secret part shows nothing of itself');
  });
});
