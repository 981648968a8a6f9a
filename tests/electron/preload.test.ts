/**
 * The preload as Electron's sandbox runs it: its compiled CommonJS text inside the same function wrapper Electron uses
 * for sandboxed preloads, where `require` knows only a few modules. Electron's two objects are stand-ins recording
 * calls (the binary cannot run here); what is checked is the preload's own contract: it loads nothing but
 * 'electron', exposes exactly the GatewayBridge under the contract's name, frozen, and each method invokes the
 * contract's channel.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';
import ts from 'typescript';
import { BRIDGE_CHANNELS, BRIDGE_GLOBAL } from '../../main/contract/bridge.ts';

function compilePreload(): string {
  const source = fs.readFileSync('preload/index.cts', 'utf8');
  return ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: 'index.cts' }).outputText;
}

test('preload exposes exactly the typed bridge, wired to the contract channels', async () => {
  const required: string[] = [];
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: { invoke: async (...args: unknown[]) => { invoked.push(args); return `reply:${String(args[0])}`; } },
  };
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module not available in a sandboxed preload: ${id}`);
  };
  // Electron's sandboxed preload wrapper (lib/sandboxed_renderer/init.ts) passes these names in.
  const wrapper = vm.runInNewContext(`(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {${compilePreload()}\n})`, {});
  const module = { exports: {} };
  wrapper(sandboxRequire, {}, undefined, {}, undefined, undefined, module.exports, module);

  assert.deepEqual(required, ['electron']);
  assert.deepEqual([...exposed.keys()], [BRIDGE_GLOBAL]);
  const bridge = exposed.get(BRIDGE_GLOBAL) as Record<string, (...a: unknown[]) => Promise<unknown>>;
  assert.deepEqual(Object.keys(bridge).sort(), ['getAppInfo', 'getControl', 'openExternal', 'openFolder', 'pickFolder', 'relaunch', 'setGatewayPort']);
  assert.ok(Object.isFrozen(bridge));

  assert.equal(await bridge.getControl(), `reply:${BRIDGE_CHANNELS.control}`);
  assert.equal(await bridge.getAppInfo(), `reply:${BRIDGE_CHANNELS.appInfo}`);
  assert.equal(await bridge.openExternal({ toString: () => 'https://example.test/' }), `reply:${BRIDGE_CHANNELS.openExternal}`);
  assert.equal(await bridge.setGatewayPort('8001'), `reply:${BRIDGE_CHANNELS.setGatewayPort}`);
  assert.equal(await bridge.relaunch(), `reply:${BRIDGE_CHANNELS.relaunch}`);
  assert.equal(await bridge.pickFolder(), `reply:${BRIDGE_CHANNELS.pickFolder}`);
  assert.equal(await bridge.openFolder({ toString: () => '/data/chats/x' }), `reply:${BRIDGE_CHANNELS.openFolder}`);
  assert.deepEqual(invoked, [
    [BRIDGE_CHANNELS.control],
    [BRIDGE_CHANNELS.appInfo],
    // whatever the page passes, only a string / a number crosses the bridge
    [BRIDGE_CHANNELS.openExternal, 'https://example.test/'],
    [BRIDGE_CHANNELS.setGatewayPort, 8001],
    [BRIDGE_CHANNELS.relaunch],
    [BRIDGE_CHANNELS.pickFolder],
    [BRIDGE_CHANNELS.openFolder, '/data/chats/x'],
  ]);
});
