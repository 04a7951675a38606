/** The public code lists: result codes (检查结果) and follow-up actions (后续处置) with their labels. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PublicFollowUpActions, PublicResultCodes } from '../../schemas/public.ts';
import type { DisclosureService } from '../../domain/disclosure/service.ts';

export default async function publicCodeRoutes(fastify: FastifyInstance, { disclosure }: { disclosure: DisclosureService }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/result-codes',
    { schema: { tags: ['public'], summary: 'Result codes (检查结果) and their labels', response: { 200: PublicResultCodes } } },
    async () => ({ items: await disclosure.resultCodes() }),
  );

  app.get(
    '/follow-up-actions',
    { schema: { tags: ['public'], summary: 'Follow-up actions (后续处置) and their labels', response: { 200: PublicFollowUpActions } } },
    async () => ({ items: await disclosure.followUpActions() }),
  );
}
