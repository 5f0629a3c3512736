import { timingSafeEqual } from 'node:crypto';
import { ConstantTimeLookup, secretsEqual } from './constant-time';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const spy = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

beforeEach(() => spy.mockClear());

describe('secretsEqual', () => {
  it('is true only for the same secret, whatever the lengths', () => {
    expect(secretsEqual('token-1', 'token-1')).toBe(true);
    expect(secretsEqual('token-1', 'token-2')).toBe(false);
    expect(secretsEqual('token', 'token-longer')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });

  it('compares fixed-length digests, so unequal lengths do not throw', () => {
    secretsEqual('a', 'a much longer secret');
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
    expect(a).toHaveLength(32);
    expect(b).toHaveLength(32);
  });
});

describe('ConstantTimeLookup', () => {
  const lookup = new ConstantTimeLookup([
    { secret: 'first', value: 1 },
    { secret: 'second', value: 2 },
    { secret: 'third', value: 3 },
  ]);

  it('finds the entry a secret belongs to, or null', () => {
    expect(lookup.find('first')).toBe(1);
    expect(lookup.find('third')).toBe(3);
    expect(lookup.find('fourth')).toBeNull();
    expect(lookup.find('')).toBeNull();
  });

  it('compares against every entry even when the first one matches', () => {
    expect(lookup.find('first')).toBe(1);
    expect(spy).toHaveBeenCalledTimes(3);
    spy.mockClear();
    expect(lookup.find('nobody')).toBeNull();
    expect(spy).toHaveBeenCalledTimes(3);
  });
});
