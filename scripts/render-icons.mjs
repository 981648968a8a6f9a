#!/usr/bin/env node
// Renders the project's own SVG icons (build/icons/*.svg) to every PNG the app and its installers need, plus the
// Windows .ico and macOS .icns containers (both just wrap PNGs). Output is committed; re-run after editing an SVG:
//   node scripts/render-icons.mjs          (needs the devDependency @resvg/resvg-js; its native binary is an npm package)
//   node scripts/render-icons.mjs --check  (exit 1 when a committed file differs from a fresh render)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const build = path.join(root, 'build');

/** Linux icon theme sizes (electron-builder reads build/icons/png/NxN.png); also the sources of .ico/.icns. */
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** macOS icns slots and the PNG size each holds. */
const ICNS_SLOTS = [
  ['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024],
  ['ic11', 32], ['ic12', 64], ['ic13', 256], ['ic14', 512],
];
/** Tray tile colour per gateway state (see main/shell/tray-model.ts TrayIconName). */
const TRAY_STATES = { running: '#2ea043', starting: '#d29922', stopped: '#6e7681', error: '#da3633' };
const TRAY_BASE_COLOUR = '#2ea043';

function render(svg, size) {
  return Buffer.from(new Resvg(svg, { fitTo: { mode: 'width', value: size }, font: { loadSystemFonts: false } }).render().asPng());
}

function ico(pngs) {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(([size, png], i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e);
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs.map(([, png]) => png)]);
}

function icns(entries) {
  const chunks = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

const outputs = new Map();
const appSvg = fs.readFileSync(path.join(build, 'icons', 'app.svg'), 'utf8');
const appPng = new Map(APP_SIZES.map((s) => [s, render(appSvg, s)]));
for (const [s, png] of appPng) outputs.set(`icons/png/${s}x${s}.png`, png);
outputs.set('icon.ico', ico(ICO_SIZES.map((s) => [s, appPng.get(s)])));
outputs.set('icon.icns', icns(ICNS_SLOTS.map(([type, s]) => [type, appPng.get(s)])));

const traySvg = fs.readFileSync(path.join(build, 'icons', 'tray.svg'), 'utf8');
if (!traySvg.includes(TRAY_BASE_COLOUR) || !traySvg.includes('<g id="badge">')) throw new Error('tray.svg lost its tile colour or badge group');
for (const [state, colour] of Object.entries(TRAY_STATES)) {
  for (const badge of [false, true]) {
    let svg = traySvg.replaceAll(TRAY_BASE_COLOUR, colour);
    if (!badge) svg = svg.replace('<g id="badge">', '<g id="badge" display="none">');
    const name = `tray-${state}${badge ? '-badge' : ''}`;
    // Electron picks name@2x.png by itself on HiDPI screens.
    outputs.set(`tray/${name}.png`, render(svg, 16));
    outputs.set(`tray/${name}@2x.png`, render(svg, 32));
  }
}

// macOS: monochrome template images (Electron treats `…Template.png` as one), state by shape, not colour.
const templateSvg = fs.readFileSync(path.join(build, 'icons', 'tray-template.svg'), 'utf8');
for (const state of Object.keys(TRAY_STATES)) {
  for (const badge of [false, true]) {
    let svg = templateSvg;
    if (state === 'starting') svg = svg.replace('stroke-linecap="round"/>', 'stroke-linecap="round" stroke-dasharray="5 4"/>');
    if (state === 'stopped') svg = svg.replace('<path id="arch"', '<path id="arch" opacity="0.4"');
    if (state === 'error') svg = svg.replace('<g id="error" display="none">', '<g id="error">').replace('<path id="arch"', '<path id="arch" opacity="0.55"');
    if (badge) svg = svg.replace('<g id="badge" display="none">', '<g id="badge">');
    const name = `tray-${state}${badge ? '-badge' : ''}Template`;
    outputs.set(`tray/${name}.png`, render(svg, 16));
    outputs.set(`tray/${name}@2x.png`, render(svg, 32));
  }
}
// Windows: one .ico per tray icon (16/24/32 for 100–200% scaling); Electron loads .ico directly.
for (const [state, colour] of Object.entries(TRAY_STATES)) {
  for (const badge of [false, true]) {
    let svg = traySvg.replaceAll(TRAY_BASE_COLOUR, colour);
    if (!badge) svg = svg.replace('<g id="badge">', '<g id="badge" display="none">');
    outputs.set(`tray/tray-${state}${badge ? '-badge' : ''}.ico`, ico([16, 24, 32].map((s) => [s, render(svg, s)])));
  }
}

let stale = 0;
for (const [rel, data] of outputs) {
  const file = path.join(build, rel);
  const same = fs.existsSync(file) && fs.readFileSync(file).equals(data);
  if (check) {
    if (!same) { console.error(`stale: build/${rel}`); stale++; }
    continue;
  }
  if (same) continue;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  console.log(`wrote build/${rel} (${data.length} bytes)`);
}
if (check) {
  console.log(stale ? `${stale} icon file(s) out of date: run node scripts/render-icons.mjs` : `${outputs.size} icon files up to date`);
  process.exit(stale ? 1 : 0);
}
