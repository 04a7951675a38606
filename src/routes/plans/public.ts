import type { FastifyInstance } from 'fastify';

// Placeholder registered by app.ts under /public/v1; the owning change replaces it.
export default async function publicPlanRoutes(_app: FastifyInstance) {}
