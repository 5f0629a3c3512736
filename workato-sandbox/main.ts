import { parseSandboxEnv, RunningAccount, startAccounts } from './sandbox.env';

/**
 * `npm run sandbox`: the Workato sandbox on its own, for trying the API by hand or pointing a
 * locally started orchestrator at it; one sandbox per Workato account (SANDBOX_ACCOUNTS), or a
 * single one. Workato's published rate limits are on unless SANDBOX_LIMITS=off. The environment
 * is described in sandbox.env.ts and docs/sandbox.md.
 */
async function main(): Promise<void> {
  const config = parseSandboxEnv(process.env);
  const accounts: RunningAccount[] = await startAccounts(config);
  process.stdout.write(accounts.map((a) => `${a.line}\n`).join(''));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Closing writes each state file one last time.
    void Promise.allSettled(accounts.map((a) => a.sandbox.close())).then((results) => {
      const failed = results.filter((r) => r.status === 'rejected');
      for (const r of failed) process.stderr.write(`${String(r.reason)}\n`);
      process.exit(failed.length > 0 ? 1 : 0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by `npm start` (src/platform/local/local-sandbox.ts): go when the service has gone, even if
  // it was killed without a chance to stop us.
  const parent = config.parentPid;
  if (parent !== null)
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        stop();
      }
    }, 1000).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
