import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { bootLogger } from './platform/observability/logging';
import { AppModule } from './app.module';
import {
  ConfigError,
  ConfigValues,
  parseConfig,
  rateLimitsOf,
} from './platform/config/config.schema';
import { configureHttp } from './platform/http/configure-app';
import { startLocalRuntime } from './platform/local/local-runtime';
import { OnboardingRunner } from './onboarding/saga/onboarding.runner';
import { OnboardingEventsConsumer } from './onboarding/intake/onboarding-events.consumer';
import { OutboxRelay } from './kafka/outbox.relay';

async function bootstrap(): Promise<void> {
  let values: ConfigValues;
  try {
    values = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`workato-onboarding: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const boot = bootLogger(values);
  for (const warning of rateLimitsOf(values).warnings) boot.warn(warning);

  let runtime;
  try {
    runtime = await startLocalRuntime(values, (m) => boot.info(m));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`workato-onboarding: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await NestFactory.create(AppModule.forRoot(runtime.config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  configureHttp(app);

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
      await app.get(OnboardingEventsConsumer).stop();
      await app.get(OnboardingRunner).stop(15_000);
      await app
        .get(OutboxRelay)
        .flush()
        .catch(() => undefined);
      await app.close();
      await runtime.stop();
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen(values.HTTP_PORT, '0.0.0.0');
  const base = `http://localhost:${values.HTTP_PORT}`;
  const banner = [
    '',
    'workato-onboarding is running',
    `  REST      ${base}/v1/onboardings`,
    `  OpenAPI   ${base}/docs`,
    `  Health    ${base}/health/ready`,
    `  Metrics   ${base}/metrics`,
    ...runtime.notes.map((n) => `  ${n}`),
    runtime.devToken
      ? `  Token     ${runtime.devToken}  (operator, development only; kept in ${values.DATA_DIR}/dev-api-token)`
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

void bootstrap().catch((error) => {
  process.stderr.write(
    `workato-onboarding failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
