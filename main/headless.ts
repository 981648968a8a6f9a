import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { defaultDataDir, type Config } from './config/schema.ts';
import { InstanceInUseError } from './instance-lock.ts';
import { log } from './log.ts';
import { describeConfigProblem, EXIT_CONFIG } from './shell/config-error.ts';

/**
 * Entry without Electron: the gateway, its control API and the dashboard in plain Node. `npm start` falls back to it
 * when Electron cannot launch. SIGTERM/SIGINT stop gracefully: no new requests, running ones get a bounded grace.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      const problem = describeConfigProblem(err, process.env, defaultDataDir());
      console.error(`Invalid configuration — ${problem.detail}`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp(config, { consoleLog: true });
  } catch (err) {
    if (err instanceof InstanceInUseError) {
      console.error(`Claude Code Gateway cannot start — ${err.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  const { services, control, shutdown: stopAll } = built;
  await services.start();
  if (services.gatewayState !== 'running') {
    log.error('the gateway could not start; other services keep running (see above)');
  } else {
    console.log(`\nClaude Code Gateway ${services.health().version} (headless)`);
    console.log(`  OpenAI base URL:  ${services.url}/v1`);
    console.log(`  Health:           ${services.url}/health`);
    // The admin token goes to the terminal only (never to the log file), once, inside the URL's fragment.
    if (!config.DASHBOARD) console.log(`  Control API:      ${services.url}/api (admin token in ${control.tokenFile})`);
    else if (control.dashboardDir) console.log(`  Dashboard:        ${control.dashboardUrl()}`);
    else console.log(`  Dashboard:        not built — run \`npm run build\` (control API at ${services.url}/api, token in ${control.tokenFile})`);
    console.log(`  Claude Code:      ${services.claudeVersion ?? 'NOT FOUND'} (runtime ${config.CLAUDE_RUNTIME})`);
    const account = services.claudeAccount.status();
    console.log(`  Claude account:   ${account.summary}${account.fix ? ` — ${account.fix}` : ''}`);
    console.log(`  Data:             ${config.DATA_DIR}\n`);
  }
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping (running requests get up to 10 s)`);
    void stopAll(10_000, (r) => log.info(`stop step ${r.id}: ${r.outcome} in ${r.ms} ms`)).then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
