import type { ApiToken } from '../auth/api-token';
import type { WorkatoAccountSpec } from '../../workato/accounts.config';
import { ConfigValues, WORKATO_REGIONS } from './config.schema';

/**
 * The validated configuration, injectable everywhere as `AppConfig`. Runtime facts that boot
 * discovers (the embedded Postgres URL, the local broker, the sandbox URL) are filled in by
 * main.ts before the Nest application is created.
 */
export class AppConfig {
  constructor(
    readonly values: ConfigValues,
    readonly runtime: {
      databaseUrl: string;
      kafkaBrokers: string[] | null;
      workatoBaseUrl: string;
      workatoApiToken: string;
      /** SECRETS_ENCRYPTION_KEY, or the development key kept under DATA_DIR. */
      secretsEncryptionKey: string;
      /** Set when `npm start` runs the Workato sandbox itself. */
      sandboxUrl: string | null;
      /** Who may call the REST API (API_TOKENS, or the development token). */
      apiTokens: ApiToken[];
      /** Accounts the local runtime made (its sandboxes), in place of the configured ones. */
      workatoAccounts?: WorkatoAccountSpec[];
    },
  ) {}

  get workatoBaseUrl(): string {
    return this.runtime.workatoBaseUrl;
  }

  static workatoBaseUrlFor(values: ConfigValues): string {
    return values.WORKATO_BASE_URL ?? WORKATO_REGIONS[values.WORKATO_REGION];
  }
}
