/**
 * The public portal (一公开): server-rendered pages in Simplified Chinese, no login, no JavaScript except
 * the in-browser draw verifier. Registered at the site root; everything here is encapsulated, so the strict
 * security headers and the HTML error pages apply to portal routes only (/docs and the APIs keep theirs).
 *
 * Pages read only public data, through the disclosure service that the public JSON API uses too: committed
 * plans and their public records, published results. This plugin parses the query, asks the service, renders.
 */
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createDisclosureService } from '../domain/disclosure/service.ts';
import { isPublicPlanStatus } from '../domain/plans/status.ts';
import type { PublicPlanFilter } from '../schemas/public.ts';
import { stylesheet, verifierBundle, type Asset } from './assets.ts';
import { plansPage } from './pages/plans.ts';
import { programmePage, programmesPage } from './pages/programmes.ts';
import { createProgrammeService } from '../domain/programmes/service.ts';
import { PROGRAMME_ID_PATTERN } from '../schemas/programmes.ts';
import { planPage } from './pages/plan.ts';
import { entityPage, entitySearchPage } from './pages/entities.ts';
import { ledgerPage } from './pages/ledger.ts';
import { verifyIndexPage, verifyPage } from './pages/verify.ts';
import { errorPage } from './pages/errors.ts';
import { httpStatusOf, portalMessage } from '../plugins/errors.ts';
import { DomainError } from '../domain/errors.ts';

/** No inline script or style anywhere: CSS and JS are same-origin files. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), display-capture=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const PLANS_PAGE_SIZE = 20;
const TASKS_PAGE_SIZE = 50;
const ENTITIES_PAGE_SIZE = 20;
const LEDGER_PAGE_SIZE = 50;
const PROGRAMMES_PAGE_SIZE = 20;
const PROGRAMME_ID_RE = new RegExp(PROGRAMME_ID_PATTERN);

const ID_RE = /^[0-9A-Za-z._-]{1,64}$/;
const CODE_RE = /^[0-9A-Za-z_-]{1,32}$/;

type Query = Record<string, string | string[] | undefined>;

/**
 * The query parameters a page reads, for the input rules (src/plugins/input.ts): any other parameter, and a
 * control character in any of them, is a 400 error page. Values stay text (a repeated key too): the page
 * itself reads them leniently (a bad page number is page 1).
 */
const pageQuery = (...names: string[]) => ({
  hide: true,
  querystring: Type.Object(Object.fromEntries(names.map((n) => [n, Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())]))])), {
    additionalProperties: false,
  }),
});

/** First value of a query parameter, trimmed and capped; repeated keys and junk never reach SQL unchecked. */
function param(q: Query, name: string, max = 100): string | undefined {
  const v = q[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s.slice(0, max) : undefined;
}

function pageNumber(q: Query): number {
  const s = param(q, 'page', 7);
  return s && /^\d+$/.test(s) && Number(s) >= 1 ? Number(s) : 1;
}

/** The query parameter the input rules refused, for the error page (`?grade=D`: 参数 grade). */
function invalidParameter(error: unknown): string {
  const e = error as { validation?: { instancePath?: string; params?: { additionalProperty?: unknown } }[] };
  const first = e.validation?.[0];
  const name = first?.instancePath?.split('/')[1] ?? (typeof first?.params?.additionalProperty === 'string' ? first.params.additionalProperty : '');
  return name && /^[\w-]{1,32}$/.test(name) ? `（参数 ${name}）` : '';
}

const matching = (s: string | undefined, re: RegExp) => (s !== undefined && re.test(s) ? s : undefined);

function sendHtml(reply: FastifyReply, body: string, status = 200) {
  return reply.code(status).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(body);
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, a: Asset) {
  reply.header('etag', a.etag).header('cache-control', 'public, max-age=600');
  if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
  return reply.type(a.contentType).send(a.body);
}

export default async function portalRoutes(app: FastifyInstance) {
  // The same reads as the public JSON API: every page shows exactly what it serves.
  const disclosure = createDisclosureService(app.database, { ledgerFullCheckSeconds: app.config.ledgerFullCheckSeconds });
  const programmes = createProgrammeService(app.database);
  const hide = { schema: { hide: true } };

  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  app.setErrorHandler((error, request, reply) => {
    const status = httpStatusOf(error);
    if (status === 500) request.log.error({ err: error }, 'portal error');
    return sendHtml(reply, errorPage(status, portalMessage(status) + invalidParameter(error)), status);
  });

  const notFound = (reply: FastifyReply, what: string) => sendHtml(reply, errorPage(404, what), 404);

  app.get('/assets/portal.css', hide, async (request, reply) => sendAsset(request, reply, stylesheet()));
  app.get('/assets/verifier.js', hide, async (request, reply) => sendAsset(request, reply, await verifierBundle()));

  app.get('/', { schema: pageQuery('department', 'item', 'year', 'status', 'page') }, async (request, reply) => {
    const q = request.query as Query;
    const year = param(q, 'year', 4);
    const status = param(q, 'status', 16);
    const filter: PublicPlanFilter = {
      department: matching(param(q, 'department', 32), CODE_RE),
      item: matching(param(q, 'item', 32), CODE_RE),
      year: year && /^\d{4}$/.test(year) ? Number(year) : undefined,
      status: isPublicPlanStatus(status) ? status : undefined,
    };
    const page = pageNumber(q);
    const list = await disclosure.planIndex(filter, PLANS_PAGE_SIZE, (page - 1) * PLANS_PAGE_SIZE);
    return sendHtml(reply, plansPage({ filter, page, pageSize: PLANS_PAGE_SIZE, total: list.total, rows: list.items, facets: list.facets }));
  });

  app.get('/plans/:id', { schema: pageQuery('page') }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!ID_RE.test(id)) return notFound(reply, `没有编号为 ${id} 的公开抽查计划。`);
    const page = pageNumber(request.query as Query);
    const found = await disclosure.planPage(id, TASKS_PAGE_SIZE, (page - 1) * TASKS_PAGE_SIZE);
    if (!found) return notFound(reply, `没有编号为 ${id} 的公开抽查计划。`);
    return sendHtml(reply, planPage({ ...found, page, pageSize: TASKS_PAGE_SIZE }));
  });

  app.get('/programmes', { schema: pageQuery('page') }, async (request, reply) => {
    const page = pageNumber(request.query as Query);
    const list = await programmes.publicList(PROGRAMMES_PAGE_SIZE, (page - 1) * PROGRAMMES_PAGE_SIZE);
    return sendHtml(reply, programmesPage({ page, pageSize: PROGRAMMES_PAGE_SIZE, total: list.total, rows: list.items }));
  });

  app.get('/programmes/:id', hide, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!PROGRAMME_ID_RE.test(id)) return notFound(reply, `没有编号为 ${id} 的已公告年度计划。`);
    const found = await programmes.publicGet(id).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'not_found') return null;
      throw err;
    });
    if (!found) return notFound(reply, `没有编号为 ${id} 的已公告年度计划。`);
    return sendHtml(reply, programmePage(found));
  });

  app.get('/entities', { schema: pageQuery('q', 'page') }, async (request, reply) => {
    const q = request.query as Query;
    const term = param(q, 'q') ?? '';
    const page = pageNumber(q);
    const found = term ? await disclosure.searchEntities(term, ENTITIES_PAGE_SIZE, (page - 1) * ENTITIES_PAGE_SIZE) : { total: 0, items: [] };
    return sendHtml(reply, entitySearchPage({ q: term, page, pageSize: ENTITIES_PAGE_SIZE, total: found.total, rows: found.items }));
  });

  app.get('/entities/:id', hide, async (request, reply) => {
    const { id } = request.params as { id: string };
    const entity = ID_RE.test(id) ? await disclosure.entity(id) : null;
    if (!entity) return notFound(reply, `没有标识为 ${id} 的检查对象。`);
    return sendHtml(reply, entityPage(entity));
  });

  app.get('/ledger', { schema: pageQuery('plan', 'page') }, async (request, reply) => {
    const q = request.query as Query;
    const planId = matching(param(q, 'plan', 64), ID_RE) ?? null;
    const page = pageNumber(q);
    const view = await disclosure.ledgerView(LEDGER_PAGE_SIZE, (page - 1) * LEDGER_PAGE_SIZE, planId);
    return sendHtml(reply, ledgerPage({ planId, ...view, page, pageSize: LEDGER_PAGE_SIZE }));
  });

  app.get('/verify', { schema: pageQuery('plan') }, async (request, reply) => {
    const planId = matching(param(request.query as Query, 'plan', 64), ID_RE);
    if (planId) return reply.redirect(`/verify/${encodeURIComponent(planId)}`);
    const drawn = await disclosure.listPlans({ status: 'drawn' }, 50, 0);
    return sendHtml(reply, verifyIndexPage(drawn.items, drawn.total));
  });

  app.get('/verify/:planId', hide, async (request, reply) => {
    const { planId } = request.params as { planId: string };
    const plan = ID_RE.test(planId) ? await disclosure.planHeader(planId) : null;
    if (!plan) return notFound(reply, `没有编号为 ${planId} 的公开抽查计划。`);
    return sendHtml(reply, verifyPage(plan));
  });
}
