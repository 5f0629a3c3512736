import { REDACTED, redactDocument, redactMessageBytes } from './redact';

describe('console redaction', () => {
  it('redacts string values under secret-looking keys at any depth, and keeps the rest', () => {
    const doc = {
      eventId: 'e-1',
      apiClient: {
        name: 'Umbrella',
        jwt: { method: 'hmac', secret: 's3cr3t', secretProvided: true },
      },
      data: { nested: [{ authToken: 'tok-1', name: 'kept' }] },
      apiKeys: [{ name: 'Production' }],
      password: 'hunter2',
    };
    expect(redactDocument(doc)).toEqual({
      eventId: 'e-1',
      apiClient: {
        name: 'Umbrella',
        jwt: { method: 'hmac', secret: REDACTED, secretProvided: true },
      },
      data: { nested: [{ authToken: REDACTED, name: 'kept' }] },
      apiKeys: [{ name: 'Production' }],
      password: REDACTED,
    });
  });

  it('cuts a document nested deeper than any event instead of walking it', () => {
    let deep: unknown = { secret: 'x' };
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(JSON.stringify(redactDocument(deep))).toContain('[TOO DEEP]');
    expect(JSON.stringify(redactDocument(deep))).not.toContain('"x"');
  });

  it('keeps the redacted JSON of a rejected message, and nothing of bytes that are not JSON', () => {
    const kept = redactMessageBytes(Buffer.from('{"apiClient":{"jwt":{"secret":"s3cr3t"}}}'));
    expect(kept).toBe(`{"apiClient":{"jwt":{"secret":"${REDACTED}"}}}`);
    expect(redactMessageBytes(Buffer.from('token=s3cr3t; not json'))).toBeNull();
    expect(redactMessageBytes(null)).toBeNull();
    const long = redactMessageBytes(Buffer.from(JSON.stringify({ pad: 'x'.repeat(20000) })));
    expect(long!.length).toBeLessThan(8300);
    expect(long!.endsWith('…[CUT]')).toBe(true);
  });
});
