/**
 * The Agent SDK warns (CLAUDE_SDK_CAN_USE_TOOL_SHADOWED) on every run that has both canUseTool and bare allowedTools
 * entries: here that is the design (the allow-list runs without asking, everything else asks), so the warning would
 * only fill stderr once per request. Every other warning passes through unchanged.
 */
const CODE = 'CLAUDE_SDK_CAN_USE_TOOL_SHADOWED';
let installed = false;

export function silenceShadowedToolWarning(): void {
  if (installed) return;
  installed = true;
  const original = process.emitWarning.bind(process);
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    const opts = rest[0];
    const code = typeof opts === 'object' && opts !== null && 'code' in opts ? opts.code : warning instanceof Error && 'code' in warning ? warning.code : rest[1];
    if (code === CODE) return;
    Reflect.apply(original, process, [warning, ...rest]);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
}
