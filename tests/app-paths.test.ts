import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { APP_ROOT, findAppRoot, findResourceDir, resourceCandidates } from '../main/app-paths.ts';

describe('app paths', () => {
  it('the checkout is the app root when running from source', () => {
    assert.ok(fs.existsSync(path.join(APP_ROOT, 'package.json')));
    assert.equal(findAppRoot(path.join(APP_ROOT, 'main', 'electron')), APP_ROOT);
  });

  it('an installed app looks beside app.asar (extraResources) before inside it', () => {
    const root = '/opt/App/resources/app.asar';
    assert.deepEqual(resourceCandidates('docker', { appRoot: root, resourcesPath: '/opt/App/resources' }), ['/opt/App/resources/docker', '/opt/App/resources/app.asar/docker']);
    // the same code started by Node from an extracted archive (resources/app): no Electron, same answer
    assert.deepEqual(resourceCandidates('docker', { appRoot: '/x/resources/app' }), ['/x/resources/docker', '/x/resources/app/docker']);
    assert.deepEqual(resourceCandidates('docker', { appRoot: '/src/ccg' }), ['/src/ccg/docker']);
  });

  it('finds a resource by its marker file, and says null when no layout has it', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccg-paths-'));
    try {
      const appRoot = path.join(tmp, 'resources', 'app');
      fs.mkdirSync(appRoot, { recursive: true });
      assert.equal(findResourceDir('docker', 'compose.yaml', { appRoot, resourcesPath: undefined }), null);
      fs.mkdirSync(path.join(tmp, 'resources', 'docker'));
      fs.writeFileSync(path.join(tmp, 'resources', 'docker', 'compose.yaml'), 'services: {}\n');
      assert.equal(findResourceDir('docker', 'compose.yaml', { appRoot, resourcesPath: undefined }), path.join(tmp, 'resources', 'docker'));
      // a folder without the marker is not it
      fs.mkdirSync(path.join(tmp, 'elsewhere', 'docker'), { recursive: true });
      assert.equal(findResourceDir('docker', 'compose.yaml', { appRoot: path.join(tmp, 'elsewhere'), resourcesPath: undefined }), null);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
