import { createServer, Server } from 'node:http';
import { createTestEnvironment, eventually, TestEnvironment } from '../support/app';
import { customerOnboarded, seedWorkspace } from '../support/events';
import { testKafka } from '../support/kafka';
import { waitForTerminal } from '../support/rest';
import { ServiceProcess } from '../support/service-process';

interface ExportedSpan {
  traceId: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

describe('OpenTelemetry traces', () => {
  let env: TestEnvironment;
  // A real process: the OTLP exporter loads part of itself with import(), which Jest's module
  // sandbox cannot run in-process.
  let service: ServiceProcess;
  let collector: Server;
  const spans: ExportedSpan[] = [];

  beforeAll(async () => {
    // A minimal OTLP/HTTP (JSON) collector.
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const doc = JSON.parse(body) as {
            resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[];
          };
          for (const rs of doc.resourceSpans)
            for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const { port } = collector.address() as { port: number };
    env = await createTestEnvironment('tracing');
    service = await ServiceProcess.create(
      { ...env.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      'tracing',
    );
    await service.start();
  });

  afterAll(async () => {
    await service?.signal('SIGTERM');
    await env?.close();
    collector?.close();
  });

  it('records one trace per onboarding, from the Kafka message through each Workato call', async () => {
    const ws = await seedWorkspace(env.control);
    const event = customerOnboarded(ws);
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: env.topics.onboarded,
      messages: [{ key: ws.ref, value: JSON.stringify(event) }],
    });
    await producer.disconnect();
    const view = await waitForTerminal(service.url, String(event.eventId));
    expect(view.status).toBe('COMPLETED');
    const traceId = view.id.replace(/-/g, '');
    const mine = await eventually(
      async () => {
        const names = spans.filter((s) => s.traceId === traceId).map((s) => s.name);
        return names.includes('complete') ? names : undefined;
      },
      { timeoutMs: 10000, message: 'the spans never reached the collector' },
    );
    expect(mine).toEqual(
      expect.arrayContaining([
        'ingest CustomerOnboarded (kafka)',
        'step api_collection',
        'step api_client',
        'step api_key:Production',
        'complete',
        'Workato POST createApiCollection',
        'Workato POST createApiClient',
        'Workato POST createApiKey',
        'Workato GET listApiCollections',
      ]),
    );
    const ingest = spans.find((s) => s.traceId === traceId && s.name.startsWith('ingest'))!;
    const attribute = (name: string) => ingest.attributes.find((a) => a.key === name)?.value;
    expect(attribute('onboarding.event_id')).toEqual({ stringValue: event.eventId });
  });
});
