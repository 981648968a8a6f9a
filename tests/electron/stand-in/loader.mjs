// Module hook for tests: `import … from 'electron'` resolves to the stand-in (electron/fiddle's approach to testing a
// main process without Electron). Registered by register.ts before the code under test is imported.
let target = null;

export function initialize(data) {
  target = data.url;
}

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: target, shortCircuit: true };
  return next(specifier, context);
}
