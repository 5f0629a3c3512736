import { randomUUID } from 'node:crypto';
import { customerOnboarded, TestWorkspace } from '../support/events';

/**
 * Malformed CustomerOnboarded messages, each with the reason the DLQ must give (a pattern of
 * the `dlq-reason` header), and valid events whose strings are hostile but allowed.
 */
export interface BadMessage {
  label: string;
  value: string | Buffer | null;
  reason: RegExp;
}

const INVALID_EVENT = /^invalid CustomerOnboarded event: /;

function nested(depth: number, leaf = '0'): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

export function badMessages(ws: TestWorkspace): BadMessage[] {
  const base = () => customerOnboarded(ws, { apiClient: { name: 'Bad client' } });
  const json = (doc: unknown) => JSON.stringify(doc);
  /** A valid event with `patch` applied (undefined removes a field). */
  const patched = (patch: (doc: Record<string, unknown>) => void) => {
    const doc = base();
    doc.eventId = randomUUID();
    patch(doc);
    return json(doc);
  };
  const field = (path: string, value: unknown) =>
    patched((doc) => {
      const parts = path.split('.');
      let node = doc as Record<string, unknown>;
      for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
      if (value === undefined) delete node[parts[parts.length - 1]];
      else node[parts[parts.length - 1]] = value;
    });
  const valid = json(base());
  const invalid = (label: string, value: string, reason: RegExp = INVALID_EVENT) => ({
    label,
    value,
    reason,
  });
  const tenThousand = '漢字🚀'.repeat(3334).slice(0, 10_000);

  return [
    // Not JSON, or not an object.
    invalid('empty value', '', /not valid JSON/),
    { label: 'tombstone (null value)', value: null, reason: /empty message/ },
    invalid('half an object', '{', /not valid JSON/),
    invalid('not json at all', '{not json', /not valid JSON/),
    invalid('truncated event', valid.slice(0, Math.floor(valid.length / 2)), /not valid JSON/),
    invalid('two documents', `${valid}${valid}`, /not valid JSON/),
    invalid('single quotes', valid.replaceAll('"', "'"), /not valid JSON/),
    invalid('trailing comma', valid.replace(/}$/, ',}'), /not valid JSON/),
    invalid('comment', `// event\n${valid}`, /not valid JSON/),
    invalid('byte order mark', `\uFEFF${valid}`, /not valid JSON/),
    invalid(
      'NaN literal',
      valid.replace('"schemaVersion":1', '"schemaVersion":NaN'),
      /not valid JSON/,
    ),
    invalid('XML', '<CustomerOnboarded id="1"/>', /not valid JSON/),
    {
      label: 'invalid UTF-8',
      value: Buffer.from([0xff, 0xfe, 0x7b, 0xc3, 0x28]),
      reason: /not valid JSON/,
    },
    { label: 'binary zeros', value: Buffer.alloc(64), reason: /not valid JSON/ },
    invalid('null', 'null', /JSON object/),
    invalid('true', 'true', /JSON object/),
    invalid('number', '42', /JSON object/),
    invalid('string', '"CustomerOnboarded"', /JSON object/),
    invalid('array', '[]', /JSON object/),
    invalid('array of the event', `[${valid}]`, /JSON object/),
    invalid('empty object', '{}'),
    // Wrong types.
    invalid('eventId number', field('eventId', 12345), /eventId/),
    invalid('eventId with spaces', field('eventId', 'has spaces in it'), /eventId/),
    invalid('eventType wrong', field('eventType', 'CustomerDeleted'), /eventType/),
    invalid('schemaVersion 2', field('schemaVersion', 2), /schemaVersion/),
    invalid('schemaVersion 0', field('schemaVersion', 0), /schemaVersion/),
    invalid('schemaVersion as string', field('schemaVersion', '1'), /schemaVersion/),
    invalid('schemaVersion 1.5', field('schemaVersion', 1.5), /schemaVersion/),
    invalid('occurredAt not a date', field('occurredAt', 'yesterday'), /occurredAt/),
    invalid('customer as string', field('customer', 'Umbrella'), /customer/),
    invalid('managedUserId number', field('customer.managedUserId', 12345), /managedUserId/),
    invalid('managedUserId without E', field('customer.managedUserId', 'X12345'), /managedUserId/),
    invalid(
      'managedUserId with a slash',
      field('customer.managedUserId', 'E12/../34'),
      /managedUserId/,
    ),
    invalid('projectId object', field('projectId', { id: 1 }), /projectId/),
    invalid('projectId letters', field('projectId', 'abc'), /projectId/),
    invalid('projectId negative', field('projectId', -5), /projectId/),
    invalid('collection null', field('collection', null), /collection/),
    invalid('collection name number', field('collection.name', 123), /collection\.name/),
    invalid('apiClient array', field('apiClient', []), /apiClient/),
    invalid('authType unknown', field('apiClient.authType', 'basic'), /authType/),
    invalid('jwt without jwt settings', field('apiClient.authType', 'jwt'), /apiClient\.jwt/),
    invalid('apiPolicyId negative', field('apiClient.apiPolicyId', -1), /apiPolicyId/),
    invalid('apiPolicyId string', field('apiClient.apiPolicyId', '7'), /apiPolicyId/),
    invalid('apiKeys object', field('apiKeys', { name: 'Production' }), /apiKeys/),
    invalid('apiKeys numbers', field('apiKeys', [1, 2]), /apiKeys/),
    invalid('key active as string', field('apiKeys', [{ name: 'P', active: 'yes' }]), /active/),
    invalid(
      'key ip not an ip',
      field('apiKeys', [{ name: 'P', ipAllowList: ['not-an-ip'] }]),
      /ipAllowList/,
    ),
    invalid('duplicate key names', field('apiKeys', [{ name: 'P' }, { name: 'P' }]), /duplicate/),
    // Missing fields.
    invalid('no eventId', field('eventId', undefined), /eventId/),
    invalid('no customer', field('customer', undefined), /customer/),
    invalid('no projectId', field('projectId', undefined), /projectId/),
    invalid('no collection', field('collection', undefined), /collection/),
    invalid('no apiClient', field('apiClient', undefined), /apiClient/),
    invalid('no apiClient name', field('apiClient.name', undefined), /apiClient\.name/),
    // Extra fields.
    invalid('extra top-level field', field('surprise', true), /surprise/),
    invalid('extra customer field', field('customer.tier', 'gold'), /tier/),
    invalid('extra key field', field('apiKeys', [{ name: 'P', scope: 'all' }]), /scope/),
    // Huge.
    invalid('over 256 KiB', field('collection.name', 'x'.repeat(300_000)), /bytes; the limit/),
    invalid('name of 201 characters', field('apiClient.name', 'n'.repeat(201)), /at most 200/),
    invalid('eventId of 201 characters', field('eventId', 'e'.repeat(201)), /eventId/),
    invalid(
      'description over 2000',
      field('apiClient.description', 'd'.repeat(2001)),
      /description/,
    ),
    invalid(
      '21 API keys',
      field(
        'apiKeys',
        Array.from({ length: 21 }, (_, i) => ({ name: `k${i}` })),
      ),
      /apiKeys/,
    ),
    invalid('10k-char unicode name', field('apiClient.name', tenThousand), /at most 200/),
    invalid('10k-char unicode key name', field('apiKeys', [{ name: tenThousand }]), /at most 200/),
    // Deep nesting.
    invalid('deep arrays in an extra field', field('deep', JSON.parse(nested(1000))), /deep/),
    invalid(
      'deep objects as the collection',
      patched((d) => (d.collection = JSON.parse(nestedObject(1000)))),
      /collection/,
    ),
    invalid('5000-deep arrays', `{"eventId":${nested(5000)}}`, /eventId/),
    invalid('50000-deep arrays', nested(50_000), /JSON object/),
    // Hostile strings that are not allowed.
    invalid(
      'control character in a name',
      field('apiClient.name', 'Acme\u0000Corp'),
      /control characters/,
    ),
    invalid(
      'newline in a key name',
      field('apiKeys', [{ name: 'Prod\nuction' }]),
      /control characters/,
    ),
    invalid(
      'escape sequence in a name',
      field('collection.name', '\u001b[31mred'),
      /control characters/,
    ),
    invalid('blank name', field('collection.name', '   '), /collection\.name/),
    // Prototype pollution.
    invalid(
      '__proto__ at the top',
      valid.replace('{', '{"__proto__":{"polluted":true},'),
      /__proto__/,
    ),
    invalid(
      'constructor at the top',
      valid.replace('{', '{"constructor":{"prototype":{"polluted":true}},'),
      /constructor/,
    ),
    invalid(
      '__proto__ in apiClient',
      valid.replace('"authType":"token"', '"authType":"token","__proto__":{"authType":"jwt"}'),
      /__proto__/,
    ),
    invalid(
      '__proto__ in a key',
      field('apiKeys', JSON.parse('[{"name":"P","__proto__":{"active":false}}]')),
      /__proto__/,
    ),
    // CloudEvents envelopes that do not hold.
    invalid(
      'CloudEvents wrong type',
      json({ specversion: '1.0', type: 'CustomerDeleted', id: 'ce-1', data: base() }),
      /CloudEvents type/,
    ),
    invalid(
      'CloudEvents data not an object',
      json({ specversion: '1.0', type: 'CustomerOnboarded', id: 'ce-2', data: 'x' }),
      /data must be a JSON object/,
    ),
    invalid(
      'CloudEvents without id',
      json({ specversion: '1.0', type: 'CustomerOnboarded', data: base() }),
      /CloudEvents envelope/,
    ),
  ];
}

export interface ValidHostile {
  label: string;
  body: Record<string, unknown>;
  eventId: string;
}

/** Valid events whose names are hostile: quotes, markup, unicode, prototype words. */
export function hostileValidEvents(ws: TestWorkspace, prefix: string): ValidHostile[] {
  const names: [string, string][] = [
    ['SQL quotes', `Robert'); DROP TABLE onboarding;-- ${prefix}`],
    ['double quotes and backslashes', `"quoted" \\ back\\slash ${prefix}`],
    ['markup', `<script>alert('x')</script> & ${prefix}`],
    ['emoji and CJK', `🚀 客户 ${prefix} 😀`],
    ['right-to-left', `مرحبا ${prefix} \u202Eevil`],
    ['zero-width and combining', `Ze\u200Dro\u0301 ${prefix}`],
    ['line separators', `Line\u2028Para\u2029 ${prefix}`],
    ['percent and slashes', `100% /api/../v2?x=1#frag ${prefix}`],
    ['__proto__', `__proto__`],
    ['constructor', `constructor`],
    ['200 characters', `${prefix}-${'名'.repeat(200 - prefix.length - 1)}`],
  ];
  return names.map(([label, name]) => {
    // Prototype words and the 200-character name are used as they are, everywhere.
    const exact = label === '__proto__' || label === 'constructor' || name.length === 200;
    const body = customerOnboarded(ws, {
      collection: { name: exact ? name : `${name} collection` },
      apiClient: { name: exact ? name : `${name} client` },
      apiKeys: [
        { name: exact ? name : `${name} key`, active: true },
        { name: 'toString', active: false },
        { name: 'hasOwnProperty', active: true },
      ],
    });
    return { label, body, eventId: String(body.eventId) };
  });
}
