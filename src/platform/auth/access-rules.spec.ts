import { bearerToken, requiredRole, roleSatisfies } from './access-rules';

describe('access rules', () => {
  it('lets a viewer read and needs an operator for anything else', () => {
    expect(requiredRole('GET', undefined)).toBe('viewer');
    expect(requiredRole('HEAD', undefined)).toBe('viewer');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      expect(requiredRole(method, undefined)).toBe('operator');
  });

  it("follows the route's @RequireRole over the method", () => {
    expect(requiredRole('GET', 'operator')).toBe('operator');
    expect(requiredRole('POST', 'viewer')).toBe('viewer');
  });

  it('an operator may do what a viewer may, not the other way round', () => {
    expect(roleSatisfies('viewer', 'viewer')).toBe(true);
    expect(roleSatisfies('operator', 'viewer')).toBe(true);
    expect(roleSatisfies('operator', 'operator')).toBe(true);
    expect(roleSatisfies('viewer', 'operator')).toBe(false);
  });

  it('reads a Bearer token, and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeNull();
  });
});
