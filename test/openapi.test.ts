import t from 'tap';
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { generateOpenApiDocument } from '../src/openapi-document.ts';

t.test('the committed OpenAPI document is current and valid OpenAPI 3.1', async (t) => {
  const generated = await generateOpenApiDocument();
  const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
  t.equal(committed, generated, 'openapi/openapi.json is stale: run `npm run openapi`');
  const validator = new Validator();
  const result = await validator.validate(JSON.parse(generated));
  t.same(result.errors ?? [], [], 'no validation errors');
  t.ok(result.valid, 'valid');
  t.equal(validator.version, '3.1', 'OpenAPI 3.1');
});
