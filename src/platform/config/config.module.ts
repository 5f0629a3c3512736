import { DynamicModule, Global, Module } from '@nestjs/common';
import { parseEncryptionKeys, SecretBox } from '../secrets/secret-box';
import { AppConfig } from './app-config';

/** Makes the configuration validated at boot, and what follows from it, injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        {
          provide: SecretBox,
          useFactory: () => new SecretBox(parseEncryptionKeys(config.runtime.secretsEncryptionKey)),
        },
      ],
      exports: [AppConfig, SecretBox],
    };
  }
}
