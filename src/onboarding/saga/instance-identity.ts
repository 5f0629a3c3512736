import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Who holds a lease: unique per process, readable in the database for operators. */
export class InstanceIdentity {
  readonly id = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  /** Set on shutdown: running steps finish, no new step starts, leases are handed back. */
  draining = false;
}
