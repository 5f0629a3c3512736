import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { bootLogger, QuietFrameworkLogger } from './platform/observability/logging';
import { AppModule } from './app.module';
import {
  ConfigError,
  ConfigValues,
  parseConfig,
  rateLimitsOf,
} from './platform/config/config.schema';
import { configureHttp } from './platform/http/configure-app';
import { LocalRuntime, startLocalRuntime } from './platform/local/local-runtime';
import { OnboardingRunner } from './onboarding/saga/onboarding.runner';
import { OnboardingEventsConsumer } from './onboarding/intake/onboarding-events.consumer';
import { OutboxRelay } from './kafka/outbox.relay';
import { DEV_SECRETS } from './platform/secrets/dev-secrets';

async function bootstrap(): Promise<void> {
  let values: ConfigValues;
  try {
    values = parseConfig(process.env);
  } catch (error) {
    return fail(error);
  }
  const boot = bootLogger(values);
  for (const warning of rateLimitsOf(values).warnings) boot.warn(warning);

  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime(values, (m) => boot.info(m));
  } catch (error) {
    return fail(error);
  }

  let app: INestApplication;
  try {
    app = await NestFactory.create(AppModule.forRoot(runtime.config), {
      bufferLogs: true,
      bodyParser: false,
      // A wiring error is reported below, with what was started stopped, instead of an exit.
      abortOnError: false,
    });
    app.useLogger(new QuietFrameworkLogger(app.get(PinoLogger)));
    configureHttp(app);
    await app.listen(values.HTTP_PORT, '0.0.0.0');
  } catch (error) {
    await runtime.stop();
    return fail(error);
  }
  const started = app;

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    boot.info(`${signal}: stopping consumption, finishing running steps, flushing the outbox`);
    const timer = setTimeout(() => {
      boot.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    try {
      await started.get(OnboardingEventsConsumer).stop();
      await started.get(OnboardingRunner).stop(15_000);
      await started
        .get(OutboxRelay)
        .flush()
        .catch(() => undefined);
      await started.close();
      await runtime.stop();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const base = `http://localhost:${values.HTTP_PORT}`;
  const banner = [
    '',
    `workato-onboarding is ready on port ${values.HTTP_PORT}`,
    `  Console   ${base}/console  (sign in with the token below)`,
    `  REST      ${base}/v1/onboardings`,
    `  OpenAPI   ${base}/docs`,
    `  Health    ${base}/health/ready`,
    `  Metrics   ${base}/metrics`,
    ...runtime.notes.map((n) => `  ${n}`),
    runtime.devToken
      ? `  Token     ${runtime.devToken}  (operator, development only; kept in ${DEV_SECRETS.apiToken(values.DATA_DIR)})`
      : '  Token     one of API_TOKENS',
    '',
    'Try:',
    `  export API_TOKEN=${runtime.devToken ?? '<an operator token of API_TOKENS>'}`,
    `  curl -s -X POST ${base}/v1/onboardings -H "authorization: Bearer $API_TOKEN" -H 'content-type: application/json' \\`,
    `    -d '{"eventId":"demo-1","eventType":"CustomerOnboarded","schemaVersion":1,"occurredAt":"2026-11-22T10:00:00Z","customer":{"managedUserId":"E12345","name":"Umbrella Corp"},"projectId":"523144","collection":{"name":"Umbrella Corp API"},"apiClient":{"name":"Umbrella Corp","authType":"token"},"apiKeys":[{"name":"Production"}]}'`,
    `  curl -s -H "authorization: Bearer $API_TOKEN" ${base}/v1/onboardings`,
    '',
  ];
  process.stdout.write(banner.join('\n') + '\n');
}

/** One line that says why boot failed, then exit 1. A configuration problem names its variable. */
function fail(error: unknown): never {
  const message =
    error instanceof ConfigError
      ? error.message
      : `failed to start: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`workato-onboarding: ${message}\n`);
  process.exit(1);
}

void bootstrap().catch(fail);
