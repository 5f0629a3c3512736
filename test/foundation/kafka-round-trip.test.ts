import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OnboardingEntity } from '../../src/persistence/onboarding.entity';
import {
  createTestEnvironment,
  eventually,
  startTestApp,
  TestApp,
  TestEnvironment,
} from '../support/app';
import { testKafka } from '../support/kafka';

describe('Kafka to Postgres round trip', () => {
  let env: TestEnvironment;
  let service: TestApp;

  beforeAll(async () => {
    env = await createTestEnvironment('roundtrip');
    // Only ingestion is under test here: the runner stays off so the row stays as received.
    service = await startTestApp(env.env, { ONBOARDING_RUNNER_ENABLED: 'false' });
  });

  afterAll(async () => {
    await service?.close();
    await env?.close();
  });

  it('consumes a CustomerOnboarded event and records its onboarding through TypeORM', async () => {
    const eventId = randomUUID();
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.onboarded,
      messages: [
        {
          key: 'E12345',
          value: JSON.stringify({
            eventId,
            eventType: 'CustomerOnboarded',
            schemaVersion: 1,
            occurredAt: '2026-11-22T10:00:00Z',
            customer: { managedUserId: 'E12345', name: 'Umbrella Corp' },
            projectId: '523144',
            collection: { name: 'Umbrella Corp API' },
            apiClient: { name: 'Umbrella Corp', authType: 'token' },
          }),
        },
      ],
    });
    await producer.disconnect();

    const repository = service.app.get(DataSource).getRepository(OnboardingEntity);
    const row = await eventually(
      () => repository.findOneBy({ eventId }).then((r) => r ?? undefined),
      {
        message: 'the onboarding row never landed',
      },
    );
    expect(row).toMatchObject({
      eventId,
      managedUserId: 'E12345',
      customerName: 'Umbrella Corp',
      source: 'kafka',
      status: 'RECEIVED',
      attempt: 1,
    });
    expect(row.request.apiClient.authType).toBe('token');
  });
});
