import { z } from 'zod';
import { SandboxHttpError } from './sandbox.http';
import { mulberry32 } from './sandbox.random';

/**
 * Injected misbehaviour, for testing how the orchestrator survives a flaky Workato. A fault
 * matches requests by method and a path regex; the first matching fault with occurrences left
 * takes the request.
 *
 * What a fault does, in order of precedence: `drop` destroys the socket without answering;
 * `successFalse` answers 200 `{"success":false}`; `status` answers that status (default body per
 * status); `latencyMs` alone only delays the real answer; anything else answers 500.
 * `afterResponse` performs the real operation first and misbehaves afterwards: the state
 * changes but the caller never learns it, as when Workato commits and the connection dies.
 */
export const faultSpecSchema = z.object({
  method: z
    .string()
    .min(1)
    .transform((m) => m.toUpperCase())
    .default('*'),
  path: z
    .string()
    .default('.*')
    .refine((p) => compiles(p), { message: 'must be a valid regular expression' }),
  count: z.number().int().min(-1).default(1),
  /** Matching requests let through before the fault starts firing (fail the 2nd key, say). */
  skip: z.number().int().min(0).default(0),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  retryAfter: z.number().nonnegative().optional(),
  latencyMs: z.number().int().nonnegative().max(600_000).optional(),
  drop: z.boolean().optional(),
  successFalse: z.boolean().optional(),
  probability: z.number().min(0).max(1).default(1),
  afterResponse: z.boolean().optional(),
});

export type FaultSpec = z.input<typeof faultSpecSchema>;
type ParsedFaultSpec = z.output<typeof faultSpecSchema>;

export type FaultAction =
  | { kind: 'drop' }
  | { kind: 'respond'; status: number; body: unknown; retryAfter?: number }
  | { kind: 'passthrough' };

export interface FaultView extends ParsedFaultSpec {
  id: number;
  /** Occurrences left; -1 means unlimited. */
  remaining: number;
  triggered: number;
}

export interface TriggeredFault {
  id: number;
  latencyMs: number;
  afterResponse: boolean;
  action: FaultAction;
}

interface ActiveFault {
  id: number;
  skipLeft: number;
  spec: ParsedFaultSpec;
  regex: RegExp;
  remaining: number;
  triggered: number;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Request timeout',
  409: 'Conflict',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** Faults with a probability draw from a seeded generator so a failing run can be replayed. */
const RANDOM_SEED = 0x5eed;

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;
  private random = mulberry32(RANDOM_SEED);

  add(input: unknown): FaultView {
    const parsed = faultSpecSchema.safeParse(input ?? {});
    if (!parsed.success) {
      throw SandboxHttpError.validation(
        Object.fromEntries(
          parsed.error.issues.map((i) => [i.path.join('.') || '(root)', [i.message]]),
        ),
      );
    }
    if (parsed.data.count === 0)
      throw SandboxHttpError.validation({ count: ['must be -1 or positive'] });
    const fault: ActiveFault = {
      id: this.nextId++,
      spec: parsed.data,
      regex: new RegExp(parsed.data.path),
      remaining: parsed.data.count,
      skipLeft: parsed.data.skip,
      triggered: 0,
    };
    this.faults.push(fault);
    return view(fault);
  }

  list(): FaultView[] {
    return this.faults.map(view);
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
    this.random = mulberry32(RANDOM_SEED);
  }

  /** Consumes one occurrence of the first fault that matches and fires; null when none does. */
  take(method: string, path: string): TriggeredFault | null {
    if (this.faults.length === 0) return null;
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.method !== '*' && spec.method !== method) continue;
      if (!fault.regex.test(path)) continue;
      if (fault.skipLeft > 0) {
        fault.skipLeft--;
        continue;
      }
      if (spec.probability < 1 && this.random() >= spec.probability) continue;
      fault.triggered++;
      if (fault.remaining > 0 && --fault.remaining === 0) {
        this.faults = this.faults.filter((f) => f !== fault);
      }
      return {
        id: fault.id,
        latencyMs: spec.latencyMs ?? 0,
        afterResponse: spec.afterResponse ?? false,
        action: actionOf(spec),
      };
    }
    return null;
  }
}

function actionOf(spec: ParsedFaultSpec): FaultAction {
  if (spec.drop) return { kind: 'drop' };
  if (spec.successFalse) {
    return {
      kind: 'respond',
      status: 200,
      body: spec.body ?? { success: false, message: 'Operation failed' },
    };
  }
  if (spec.status === undefined && spec.latencyMs !== undefined) return { kind: 'passthrough' };
  const status = spec.status ?? 500;
  return {
    kind: 'respond',
    status,
    body: spec.body ?? { message: DEFAULT_MESSAGES[status] ?? 'Injected fault' },
    retryAfter: spec.retryAfter,
  };
}

function view(fault: ActiveFault): FaultView {
  return { ...fault.spec, id: fault.id, remaining: fault.remaining, triggered: fault.triggered };
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
