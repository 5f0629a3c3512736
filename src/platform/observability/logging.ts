import type { DynamicModule } from '@nestjs/common';
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
