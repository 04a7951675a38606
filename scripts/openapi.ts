/** `npm run openapi`: regenerate openapi/openapi.json from the route schemas. */
import { writeFileSync } from 'node:fs';
import { generateOpenApiDocument } from '../src/openapi-document.ts';

const path = new URL('../openapi/openapi.json', import.meta.url);
writeFileSync(path, await generateOpenApiDocument());
console.log(`wrote ${path.pathname}`);
