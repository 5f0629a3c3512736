import { readFileSync } from 'node:fs';
import type { CircuitGate, TokenProvider } from './transport';

/** How often a token file is read again even without a 401 (the "at least every 60 s"). */
export const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * An account's Embed admin token: given, or read from a file (a mounted secret) so the partner
 * can rotate it (developer API client regenerate, 004) without a restart: the file is read
 * again after a 401 and at least every minute. The token is never logged.
 */
export class TokenSource implements TokenProvider {
  private token: string;
  private readAt: number;
  private readonly seen = new Set<string>();

  constructor(
    private readonly spec: { token?: string; tokenFile?: string; name: string },
    private readonly now: () => number = Date.now,
  ) {
    this.token = spec.token ?? this.read();
    this.readAt = this.now();
    this.seen.add(this.token);
  }

  current(): string {
    if (this.spec.tokenFile && this.now() - this.readAt >= TOKEN_FILE_REREAD_MS) this.refresh();
    return this.token;
  }

  /** Reads the file again; true when it holds another token than the one in use. */
  refresh(): boolean {
    if (!this.spec.tokenFile) return false;
    this.readAt = this.now();
    let next: string;
    try {
      next = this.read();
    } catch {
      return false;
    }
    if (next === this.token) return false;
    this.token = next;
    this.seen.add(next);
    return true;
  }

  known(): readonly string[] {
    return [...this.seen];
  }

  private read(): string {
    const file = this.spec.tokenFile!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new Error(
        `Workato account ${this.spec.name}: cannot read its token file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: error },
      );
    }
    if (!text)
      throw new Error(`Workato account ${this.spec.name}: its token file ${file} is empty`);
    return text;
  }
}

/** Consecutive failures (no answer, timeout, 5xx) that open an account's circuit. */
export const CIRCUIT_FAILURES = 5;
/** How long an open circuit keeps requests back before one is let through again. */
export const CIRCUIT_OPEN_MS = 30_000;

/**
 * One account's circuit: after CIRCUIT_FAILURES failures in a row its requests are not sent for
 * CIRCUIT_OPEN_MS (they fail at once, retryably), then one is let through (half-open): its
 * success closes the circuit, its failure opens it again. Another account's outage never opens
 * this one.
 */
export class CircuitBreaker implements CircuitGate {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly name: string,
    private readonly now: () => number = Date.now,
  ) {}

  get isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  refusal(): string | null {
    if (this.now() < this.openUntil)
      return `Workato account ${this.name} is failing (circuit open until ${new Date(this.openUntil).toISOString()})`;
    if (this.failures >= CIRCUIT_FAILURES) {
      if (this.probing)
        return `Workato account ${this.name} is failing (a trial request is under way)`;
      this.probing = true;
    }
    return null;
  }

  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    this.openUntil = 0;
  }

  failed(): void {
    this.failures++;
    this.probing = false;
    if (this.failures >= CIRCUIT_FAILURES) this.openUntil = this.now() + CIRCUIT_OPEN_MS;
  }
}
