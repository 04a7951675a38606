/**
 * The public JSON API of 一公开 under /public/v1: no token. Plans from their commitment on (never drafts),
 * published results only, and the entity directory's public fields (企业名称 and 统一社会信用代码 are public
 * in China). Never a server seed before the draw, an unpublished result, findings, attachments, a token,
 * or a grade. Everything is read through the disclosure service, which the portal shares; the ledger is
 * served by routes/ledger.
 */
import type { FastifyInstance } from 'fastify';
import { createDisclosureService } from '../../domain/disclosure/service.ts';
import publicProgrammeRoutes from './programmes.ts';
import publicPlanRoutes from './plans.ts';
import publicEntityRoutes from './entities.ts';
import publicCodeRoutes from './codes.ts';

export default async function publicRoutes(app: FastifyInstance) {
  const disclosure = createDisclosureService(app.database);
  // In this order: it is the order of the paths in the OpenAPI document.
  await app.register(publicProgrammeRoutes);
  await app.register(publicPlanRoutes, { disclosure });
  await app.register(publicEntityRoutes, { disclosure });
  await app.register(publicCodeRoutes, { disclosure });
}
