import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeOptionsFromConfig, createComposeManager } from '../../main/compose/index.ts';

const base = { COMPOSE_FILE: '/a/compose.yaml', COMPOSE_PROJECT: 'p', COMPOSE_SERVICE: 'claude', DOCKER_IMAGE: 'img:1', claudeCwd: '/w' };

describe('compose options from the config', () => {
  it("hands the OAuth callback port to compose, so Claude Code in the container uses the host listener's port", () => {
    const o = composeOptionsFromConfig({ ...base, OAUTH_CALLBACK_PORT: 9123 });
    assert.equal(o.env?.CCG_OAUTH_CALLBACK_PORT, '9123');
    // …and the fix commands shown to users carry it, so a manual `up` starts the same container.
    assert.match(createComposeManager(o).commandLine('up', '-d'), /CCG_OAUTH_CALLBACK_PORT=9123 .*up -d$/);
    assert.equal(composeOptionsFromConfig({ ...base, OAUTH_CALLBACK_PORT: 9123 }, { env: { X: '1' } }).env?.CCG_OAUTH_CALLBACK_PORT, '9123');
  });

  it('port 0 (any free port) leaves compose.yaml\'s default', () => {
    assert.equal(composeOptionsFromConfig({ ...base, OAUTH_CALLBACK_PORT: 0 }).env?.CCG_OAUTH_CALLBACK_PORT, undefined);
  });
});
