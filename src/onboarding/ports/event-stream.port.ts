/** A message of the incoming event stream, as the transport delivered it. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/**
 * The stream CustomerOnboarded events arrive on (Kafka, in src/kafka). Messages come in chunks;
 * a chunk counts as consumed only once its handler has resolved, so a handler that throws (say,
 * Postgres is down) gets the chunk again: nothing valid is lost.
 */
export abstract class IncomingEventStream {
  /** False when no broker is configured: only HTTP ingestion is on. */
  abstract readonly enabled: boolean;
  /** False once the transport gave up for good (readiness reports it). */
  abstract readonly healthy: boolean;
  /** Starts consuming in the background, retrying the connection until `stop`. */
  abstract start(handle: (chunk: IncomingMessage[]) => Promise<void>): void;
  abstract stop(): Promise<void>;
}

/** Where messages the service cannot accept go, with their bytes and the reason in headers. */
export abstract class DeadLetterQueue {
  abstract send(message: {
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  }): Promise<void>;
}
