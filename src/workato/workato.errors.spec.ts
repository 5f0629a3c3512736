import { classifyStatus, errorFromResponse, parseErrorBody, WorkatoError } from './workato.errors';

describe('parseErrorBody', () => {
  it('reads {"message"}', () => {
    expect(parseErrorBody('{"message":"Not found"}')).toEqual({ message: 'Not found' });
  });

  it('reads {"message","errors"} into field errors', () => {
    expect(
      parseErrorBody('{"message":"Validation failed","errors":{"name":["can\'t be blank"]}}'),
    ).toEqual({ message: 'Validation failed', fieldErrors: { name: ["can't be blank"] } });
  });

  it('normalises single-string and odd field error values', () => {
    expect(parseErrorBody('{"errors":{"name":"is taken","n":3}}')).toEqual({
      message: 'name is taken; n 3',
      fieldErrors: { name: ['is taken'], n: ['3'] },
    });
  });

  it('reads {"message","id"}', () => {
    expect(parseErrorBody('{"message":"Server error","id":"abc-123"}')).toEqual({
      message: 'Server error',
      workatoId: 'abc-123',
    });
    expect(parseErrorBody('{"message":"x","id":42}').workatoId).toBe('42');
  });

  it('falls back to "error" and to an array of errors', () => {
    expect(parseErrorBody('{"error":"Unauthorized"}').message).toBe('Unauthorized');
    expect(parseErrorBody('{"errors":["a","b"]}').message).toBe('a; b');
  });

  it('keeps a non-JSON body as a truncated message', () => {
    expect(parseErrorBody('<html>502 Bad Gateway</html>')).toEqual({
      message: '<html>502 Bad Gateway</html>',
    });
    const long = parseErrorBody('x'.repeat(2000)).message ?? '';
    expect(long.length).toBeLessThanOrEqual(501);
  });

  it('handles empty bodies and JSON strings', () => {
    expect(parseErrorBody('')).toEqual({ message: null });
    expect(parseErrorBody('"Bad gateway"')).toEqual({ message: 'Bad gateway' });
    expect(parseErrorBody('[1,2]')).toEqual({ message: '[1,2]' });
  });
});

describe('classifyStatus', () => {
  it.each([
    [429, 'WORKATO_RATE_LIMITED', true],
    [500, 'WORKATO_SERVER_ERROR', true],
    [502, 'WORKATO_SERVER_ERROR', true],
    [503, 'WORKATO_SERVER_ERROR', true],
    [408, 'WORKATO_TIMEOUT', true],
    [400, 'WORKATO_BAD_REQUEST', false],
    [401, 'WORKATO_UNAUTHORIZED', false],
    [403, 'WORKATO_FORBIDDEN', false],
    [404, 'WORKATO_NOT_FOUND', false],
    [409, 'WORKATO_CONFLICT', false],
    [422, 'WORKATO_UNPROCESSABLE', false],
    [418, 'WORKATO_CLIENT_ERROR', false],
    [302, 'WORKATO_INVALID_RESPONSE', false],
  ])('%i -> %s (retryable %s)', (status, code, retryable) => {
    expect(classifyStatus(status)).toEqual({ code, retryable });
  });
});

describe('errorFromResponse', () => {
  it('builds a terminal error with field errors', () => {
    const error = errorFromResponse({
      status: 400,
      method: 'POST',
      path: '/api/v2/managed_users/E1/api_clients',
      bodyText: '{"message":"Validation failed","errors":{"jwt_secret":["can\'t be blank"]}}',
    });
    expect(error).toBeInstanceOf(WorkatoError);
    expect(error).toMatchObject({
      code: 'WORKATO_BAD_REQUEST',
      status: 400,
      retryable: false,
      method: 'POST',
      path: '/api/v2/managed_users/E1/api_clients',
      workatoMessage: 'Validation failed',
      fieldErrors: { jwt_secret: ["can't be blank"] },
    });
    expect(error.message).toContain('POST /api/v2/managed_users/E1/api_clients');
  });

  it('treats success:false on 200 as a terminal WORKATO_REQUEST_FAILED', () => {
    const error = errorFromResponse({
      status: 200,
      method: 'PUT',
      path: '/p',
      bodyText: '{"success":false,"message":"Recipe is not running"}',
      successFalse: true,
    });
    expect(error).toMatchObject({
      code: 'WORKATO_REQUEST_FAILED',
      status: 200,
      retryable: false,
      workatoMessage: 'Recipe is not running',
    });
  });

  it('carries retryAfterMs for 429', () => {
    const error = errorFromResponse({
      status: 429,
      method: 'GET',
      path: '/p',
      bodyText: '{"message":"Too many requests"}',
      retryAfterMs: 2000,
    });
    expect(error).toMatchObject({
      code: 'WORKATO_RATE_LIMITED',
      retryable: true,
      retryAfterMs: 2000,
    });
  });
});

describe('WorkatoError.toJSON', () => {
  it('is plain data that survives JSON round trips', () => {
    const error = new WorkatoError({
      code: 'WORKATO_NETWORK_ERROR',
      message: 'Workato GET /p failed before a response: ECONNRESET',
      status: null,
      retryable: true,
      method: 'GET',
      path: '/p',
      causeText: 'ECONNRESET: socket hang up',
    });
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toEqual({
      name: 'WorkatoError',
      code: 'WORKATO_NETWORK_ERROR',
      message: 'Workato GET /p failed before a response: ECONNRESET',
      status: null,
      retryable: true,
      method: 'GET',
      path: '/p',
      workatoMessage: null,
      cause: 'ECONNRESET: socket hang up',
    });
  });
});
