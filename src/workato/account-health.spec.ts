import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CIRCUIT_FAILURES,
  CIRCUIT_OPEN_MS,
  CircuitBreaker,
  TokenSource,
  TOKEN_FILE_REREAD_MS,
} from './account-health';

describe('TokenSource', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'token-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a token file again after a refusal and at least every minute', () => {
    let now = 0;
    const file = join(dir, 'token');
    writeFileSync(file, 'one\n');
    const source = new TokenSource({ name: 'eu', tokenFile: file }, () => now);
    expect(source.current()).toBe('one');
    writeFileSync(file, 'two\n');
    expect(source.current()).toBe('one');
    expect(source.refresh()).toBe(true);
    expect(source.current()).toBe('two');
    expect(source.refresh()).toBe(false);
    writeFileSync(file, 'three\n');
    now += TOKEN_FILE_REREAD_MS;
    expect(source.current()).toBe('three');
    expect(source.known()).toEqual(['one', 'two', 'three']);
  });

  it('keeps the token it has when the file is briefly unreadable', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'one\n');
    const source = new TokenSource({ name: 'eu', tokenFile: file });
    rmSync(file);
    expect(source.refresh()).toBe(false);
    expect(source.current()).toBe('one');
  });

  it('never needs a file for a token given directly', () => {
    const source = new TokenSource({ name: 'us', token: 'given' });
    expect(source.refresh()).toBe(false);
    expect(source.current()).toBe('given');
  });
});

describe('CircuitBreaker', () => {
  it('opens after a run of failures, lets one request through after a while, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker('eu', () => now);
    for (let i = 0; i < CIRCUIT_FAILURES - 1; i++) breaker.failed();
    expect(breaker.refusal()).toBeNull();
    breaker.failed();
    expect(breaker.refusal()).toMatch(/Workato account eu is failing \(circuit open until/);
    now += CIRCUIT_OPEN_MS;
    expect(breaker.refusal()).toBeNull(); // the trial request
    expect(breaker.refusal()).toMatch(/a trial request is under way/);
    breaker.failed();
    expect(breaker.isOpen).toBe(true);
    now += CIRCUIT_OPEN_MS;
    expect(breaker.refusal()).toBeNull();
    breaker.succeeded();
    expect(breaker.refusal()).toBeNull();
    expect(breaker.isOpen).toBe(false);
  });

  it('does not open on failures broken by a success', () => {
    const breaker = new CircuitBreaker('us');
    for (let i = 0; i < CIRCUIT_FAILURES * 3; i++) {
      breaker.failed();
      if (i % 3 === 0) breaker.succeeded();
    }
    expect(breaker.isOpen).toBe(false);
  });
});
