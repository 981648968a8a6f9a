/**
 * The gateway as the benchmark runs it: one child process, configured through env (DATA_DIR, CLAUDE_SPARE_PROCESSES,
 * MAX_CONCURRENT_RUNS… and the ANTHROPIC_* env that points Claude Code at the scripted model). It prints
 * `BENCH_GATEWAY_URL=<url>` once listening and stops cleanly on SIGTERM.
 *
 * It uses the runtime's own spare pool when createSdkRuntime has one (the integrated product path); until then it
 * wraps the cold runtime with a SparePool itself, the same way the integration does.
 */
import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { resolveClaudeBinary } from '../main/claude/binary.ts';
import { createSdkRuntime, type SdkRuntimeOptions } from '../main/claude/local-runtime.ts';
import type { ClaudeRuntime, RunSpec } from '../main/claude/runtime.ts';
import { expectedSessionFromConfig, SparePool, spareProfileFromConfig, type ExpectedSession, type SpareProfile } from '../main/claude/spare-pool.ts';
import { loadConfig } from '../main/config/load.ts';
import { buildServices } from '../main/services.ts';

const config = loadConfig();
const spares = Number(process.env.CLAUDE_SPARE_PROCESSES ?? '1');
const profile = spareProfileFromConfig(config);
const expect = expectedSessionFromConfig(config);

type WithSpares = SdkRuntimeOptions & { spares?: { count: number; profile: SpareProfile; expect?: ExpectedSession } };
const runtimeOptions: WithSpares = { kind: 'local', claudePath: config.CLAUDE_PATH, baseEnv: process.env, spares: { count: spares, profile, expect } };
const base = createSdkRuntime(runtimeOptions);
const integrated = typeof Reflect.get(base, 'close') === 'function';

let pool: SparePool | null = null;
let runtime: ClaudeRuntime = base;
if (!integrated && spares > 0) {
  const p = new SparePool({ size: spares, profile, expect, baseEnv: process.env, binary: resolveClaudeBinary(config.CLAUDE_PATH) });
  p.start();
  pool = p;
  runtime = {
    ...base,
    livePids: () => [...base.livePids(), ...p.activePids()],
    run: (spec: RunSpec): AsyncIterable<SDKMessage> => p.tryClaim(spec, () => base.run(spec)) ?? base.run(spec),
  };
}

const services = await buildServices(config, { runtime, consoleLog: false });
await services.start();
console.log(`BENCH_GATEWAY_URL=${services.url} spares=${spares} pool=${integrated ? 'runtime' : pool ? 'bench' : 'none'}`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await services.stop({ graceMs: 0 });
    await pool?.close();
    const close = Reflect.get(base, 'close');
    if (typeof close === 'function') await (close as () => Promise<void>).call(base);
    process.exit(0);
  })();
});
