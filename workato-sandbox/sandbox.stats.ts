/** Counters for the benchmark and for tests that assert the orchestrator respected limits. */
export interface SandboxStatsView {
  requests: number;
  byStatus: Record<string, number>;
  rateLimited429: number;
  dropped: number;
  faultsTriggered: number;
  windowStart: string;
  windowSeconds: number;
  /** Most Workato requests received within one wall-clock second since windowStart. */
  peakRps: number;
  inFlight: number;
}

export class SandboxStats {
  private requests = 0;
  private byStatus: Record<string, number> = {};
  private rateLimited = 0;
  private dropped = 0;
  private faults = 0;
  private start = Date.now();
  private second = 0;
  private countThisSecond = 0;
  private peak = 0;
  private inFlight = 0;

  received(): void {
    this.requests++;
    this.inFlight++;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.countThisSecond = 0;
    }
    if (++this.countThisSecond > this.peak) this.peak = this.countThisSecond;
  }

  answered(status: number): void {
    this.inFlight--;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  droppedConnection(): void {
    this.inFlight--;
    this.dropped++;
  }

  rateLimitedRequest(): void {
    this.rateLimited++;
  }

  faultTriggered(): void {
    this.faults++;
  }

  reset(): void {
    this.requests = 0;
    this.byStatus = {};
    this.rateLimited = 0;
    this.dropped = 0;
    this.faults = 0;
    this.start = Date.now();
    this.countThisSecond = 0;
    this.peak = 0;
  }

  view(): SandboxStatsView {
    return {
      requests: this.requests,
      byStatus: { ...this.byStatus },
      rateLimited429: this.rateLimited,
      dropped: this.dropped,
      faultsTriggered: this.faults,
      windowStart: new Date(this.start).toISOString(),
      windowSeconds: (Date.now() - this.start) / 1000,
      peakRps: this.peak,
      inFlight: this.inFlight,
    };
  }
}
