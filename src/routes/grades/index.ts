import type { FastifyInstance } from 'fastify';

// Placeholder registered by app.ts; the owning change replaces it with the resource's routes.
export default async function gradesRoutes(_app: FastifyInstance) {}
