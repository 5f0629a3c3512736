import type { DynamicModule, LoggerService } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { Logger as Pino, LoggerOptions } from 'pino';
import type { ConfigValues } from '../config/config.schema';

/**
 * Wherever a secret could sit in a logged object, pino replaces it before the line is written.
 * (The code never logs secrets on purpose; this is the second line of defence.)
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.authorization',
  '*.auth_token',
  '*.authToken',
  '*.jwt_secret',
  '*.jwtSecret',
  '*.secret',
  '*.token',
  '*.apiToken',
  '*.*.auth_token',
  '*.*.jwt_secret',
  '*.*.secret',
];

const LEVELS: Record<ConfigValues['LOG_LEVEL'], string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** JSON lines in production and when piped; readable lines on a developer's terminal. */
export function pinoOptions(values: ConfigValues): LoggerOptions {
  const pretty = values.NODE_ENV !== 'production' && process.stdout.isTTY && prettyAvailable();
  return {
    level: LEVELS[values.LOG_LEVEL],
    base: { service: 'workato-onboarding' },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              singleLine: true,
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname,service',
            },
          },
        }
      : {}),
  };
}

export function bootLogger(values: ConfigValues): Pino {
  return pino(pinoOptions(values)).child({ context: 'Boot' });
}

/** nestjs-pino: Nest's Logger calls become pino lines; request logs skip health probes. */
export function loggingModule(values: ConfigValues): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      ...pinoOptions(values),
      autoLogging: {
        ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics',
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  });
}

/** Nest's own start-up chatter: module wiring and route mapping. */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * The service's logger for Nest: Nest's framework lines go to debug, so a start shows what the
 * service says (its banner, warnings), not thirty lines of module wiring.
 */
export class QuietFrameworkLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context))
      this.inner.debug?.(message, ...rest);
    else this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
