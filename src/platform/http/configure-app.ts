import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import helmet from 'helmet';
import { MAX_EVENT_BYTES } from '../../onboarding/intake/customer-onboarded.schema';
import { JsonExceptionFilter } from './http-exception.filter';

/**
 * The HTTP pipeline, shared by main.ts and the tests so both serve the same API: security
 * headers, JSON bodies only and bounded in size, JSON errors, and the OpenAPI page at /docs.
 * (The app must be created with `bodyParser: false`.)
 */
export function configureHttp(app: INestApplication): void {
  app.use(helmet());
  app.use(json({ limit: MAX_EVENT_BYTES, type: ['application/json', 'application/*+json'] }));
  app.useGlobalFilters(new JsonExceptionFilter());
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('workato-onboarding')
        .setDescription("Onboards a partner's new customers into Workato Embedded")
        .setVersion('1')
        .addBearerAuth()
        .build(),
    ),
  );
}
