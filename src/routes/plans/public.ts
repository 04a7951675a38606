/**
 * A public plan under /public/v1 (the list is routes/public's): committed, drawn or voided, as published. Drafts do not
 * exist here; the server seed appears only inside the draw record or the void (both after it is
 * revealed); task grades only where the draw record carries them (a public grade scheme).
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { jsonValue, execRows } from '../../db/client.ts';
import type { CommitRecord } from '../../core/replay.ts';
import { errorResponses } from '../../schemas/common.ts';
import { createLedgerRepository } from '../../domain/ledger/repository.ts';
import { PlanParams, PublicPlan } from './schemas.ts';
import { drawRecordText } from './service.ts';

const PUBLIC_STATUSES = sql`('committed', 'drawn', 'voided')`;
const iso = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export default async function publicPlanRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app.database;
  const ledger = createLedgerRepository(db);

  app.get(
    '/plans/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'A public plan: its items and departments, the commit record and, once drawn, the public draw record',
        description:
          'Replay the draw from `commit` and `draw` with the snapshot files (from an auditor) — `npm run replay`. A voided plan ' +
          'shows the revealed server seed, so anyone can check it against the commitment.',
        params: PlanParams,
        response: { 200: PublicPlan, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // server_seed is only read for a voided plan (the void reveals it); a drawn plan's is in its draw record.
      const [p] = await execRows<Record<string, any>>(
        db,
        sql`SELECT p.id, p.title, p.status, p.items, p.departments, p.window_from::text AS window_from, p.window_to::text AS window_to,
                   g.code AS scheme_code, g.name AS scheme_name, g.public AS scheme_public,
                   c.record AS commit_record, l.body AS draw_body, l.at AS drawn_at,
                   v.reason AS void_reason, ${iso('v.voided_at')} AS voided_at,
                   CASE WHEN p.status = 'voided' THEN c.server_seed END AS revealed_seed
              FROM plans p
              JOIN plan_commits c ON c.plan_id = p.id
              JOIN grade_schemes g ON g.code = p.grade_scheme
              LEFT JOIN plan_draws d ON d.plan_id = p.id
              LEFT JOIN ledger l ON l.seq = d.ledger_seq
              LEFT JOIN plan_voids v ON v.plan_id = p.id
             WHERE p.id = ${id} AND p.status IN ${PUBLIC_STATUSES}`,
      );
      if (!p) return reply.notFound(`no public plan ${id}`);
      const itemRows = await execRows<{ code: string; name: string; department_code: string }>(
        db,
        sql`SELECT code, name, department_code FROM items WHERE code IN (SELECT json_array_elements_text(${JSON.stringify(p.items)}::json))`,
      );
      const itemByCode = new Map(itemRows.map((r) => [r.code, r]));
      const deptRows = await execRows<{ code: string; name: string }>(
        db,
        sql`SELECT code, name FROM departments WHERE code IN (SELECT json_array_elements_text(${JSON.stringify(p.departments)}::json))`,
      );
      const deptName = new Map(deptRows.map((r) => [r.code, r.name]));
      // the record's text from the ledger body's, unparsed: megabytes for a big plan
      const draw = p.draw_body === null || p.draw_body === undefined ? null : drawRecordText(p.draw_body, p.drawn_at);
      let entityNames: Record<string, string> | null = null;
      if (draw) {
        const names = await execRows<{ id: string; name: string }>(
          db,
          sql`SELECT e.id, e.name FROM tasks t JOIN entities e ON e.id = t.entity_id WHERE t.plan_id = ${id} ORDER BY t.seq`,
        );
        entityNames = Object.fromEntries(names.map((n) => [n.id, n.name]));
      }
      const body = {
        id: p.id as string,
        title: p.title as string,
        status: p.status as string,
        items: (p.items as string[]).map((code) => ({
          code,
          name: itemByCode.get(code)?.name ?? code,
          departmentCode: itemByCode.get(code)?.department_code ?? '',
        })),
        departments: (p.departments as string[]).map((code) => ({ code, name: deptName.get(code) ?? code })),
        gradeScheme: { code: p.scheme_code as string, name: p.scheme_name as string, public: Boolean(p.scheme_public) },
        window: p.window_from && p.window_to ? { from: p.window_from as string, to: p.window_to as string } : null,
        commit: jsonValue<CommitRecord>(p.commit_record),
        draw: null,
        entityNames,
        void:
          p.void_reason !== null && p.void_reason !== undefined && p.revealed_seed
            ? { reason: p.void_reason as string, serverSeed: p.revealed_seed as string, voidedAt: p.voided_at as string }
            : null,
        ledger: await ledger.ofPlan(id),
      };
      // Every member is built above from known fields; the draw record is spliced in as text instead
      // of going through the schema serializer.
      const json = JSON.stringify(body);
      const at = json.indexOf(',"draw":null,');
      return reply
        .type('application/json; charset=utf-8')
        .send((draw === null ? json : `${json.slice(0, at)},"draw":${draw},${json.slice(at + ',"draw":null,'.length)}`) as never);
    },
  );
}
