import { Logger } from '@nestjs/common';
import { DeadLetterProducer } from '../../src/onboarding/intake/dead-letter.producer';
import type {
  DeadLetterQueue,
  IncomingMessage,
} from '../../src/onboarding/ports/event-stream.port';
import type { OnboardingMetrics } from '../../src/platform/observability/onboarding.metrics';
import { deadLetterHeadersSchema } from '../../src/contract/dead-letter.schema';
import { SchemaValidator } from './schema-validator';

/**
 * What DeadLetterProducer really sends conforms to the contract: the headers it adds are the
 * documented ones (a header added without documenting it fails here), the original key, bytes
 * (but a secret) and headers are kept.
 */

const validator = new SchemaValidator();

type Sent = Parameters<DeadLetterQueue['send']>[0];

async function deadLetterOf(message: IncomingMessage, reason: string): Promise<Sent> {
  const sent: Sent[] = [];
  const queue = { send: async (m: Sent) => void sent.push(m) } as DeadLetterQueue;
  const metrics = { countDeadLetter: () => undefined } as unknown as OnboardingMetrics;
  await new DeadLetterProducer(queue, metrics).send(message, reason);
  expect(sent).toHaveLength(1);
  return sent[0];
}

function asText(headers: Sent['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}

function incoming(value: unknown, headers: IncomingMessage['headers'] = {}): IncomingMessage {
  return {
    topic: 'partner.customer-onboarded',
    partition: 4,
    offset: '1187',
    timestamp: '1795341600000',
    key: Buffer.from('E12345'),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers,
  };
}

const documented = Object.keys(deadLetterHeadersSchema.shape);

describe('dead letters conform to the contract', () => {
  // The producer logs each dead letter; not wanted in the test output.
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('an invalid event: the documented headers, the original key and headers', async () => {
    const message = incoming(
      { eventType: 'CustomerOnboarded', apiClient: { jwt: { method: 'rsa', secret: 'PEM' } } },
      { 'content-type': Buffer.from('application/json'), traceparent: '00-abc-def-01' },
    );
    const sent = await deadLetterOf(
      message,
      'invalid CustomerOnboarded event: eventId: is required',
    );
    const headers = asText(sent.headers);
    expect(validator.problems('DeadLetterHeaders', headers)).toEqual([]);
    expect(deadLetterHeadersSchema.safeParse(headers).success).toBe(true);
    const added = Object.keys(headers).filter((name) => name.startsWith('dlq-'));
    expect(added.filter((name) => !documented.includes(name))).toEqual([]);
    expect(headers['dlq-redacted']).toBe('apiClient.jwt.secret');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.traceparent).toBe('00-abc-def-01');
    expect(sent.key?.toString()).toBe('E12345');
  });

  it('a CloudEvent with secrets in both places, and bytes that are not JSON', async () => {
    const cloudEvent = await deadLetterOf(
      incoming({
        specversion: '1.0',
        apiClient: { jwt: { secret: 'a' } },
        data: { apiClient: { jwt: { secret: 'b' } } },
      }),
      'eventId reused with a different payload',
    );
    expect(validator.problems('DeadLetterHeaders', asText(cloudEvent.headers))).toEqual([]);
    expect(asText(cloudEvent.headers)['dlq-redacted']).toBe(
      'apiClient.jwt.secret,data.apiClient.jwt.secret',
    );

    const notJson = await deadLetterOf(incoming('{"eventId": '), 'not valid JSON: Unexpected end');
    expect(validator.problems('DeadLetterHeaders', asText(notJson.headers))).toEqual([]);
    expect(notJson.value?.toString()).toBe('{"eventId": ');
    expect(asText(notJson.headers)['dlq-redacted']).toBeUndefined();
  });

  it('a long reason is cut to what the schema allows', async () => {
    const sent = await deadLetterOf(incoming({}), 'x'.repeat(10_000));
    expect(validator.problems('DeadLetterHeaders', asText(sent.headers))).toEqual([]);
  });
});
