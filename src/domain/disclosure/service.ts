/**
 * The public read model (一公开): everything the public may read, for the JSON API under /public/v1 and for
 * the portal alike, so both always show the same plan, the same results and the same entity. The rules of
 * what may be shown live here and in the repository's queries: only committed, drawn or voided plans; only
 * published result versions; the server seed once the draw or the void has revealed it; task grades (and the
 * modes that follow from them) only where the plan's grade scheme and draw record make them public.
 */
import type { Database } from '../../db/client.ts';
import { recordsRevision, type DrawStratum, type PoolRule } from '../../core/replay.ts';
import type { Contribution } from '../../core/ceremony.ts';
import { verifyLedger, type LedgerVerification } from '../../core/ledger.ts';
import type { PublicPlanFilter } from '../../schemas/public.ts';
import { createLedgerRepository, ledgerHashAt, ledgerHeadSummary, ledgerSummaryPage, streamLedgerEntries } from '../ledger/repository.ts';
import { createPublicationRepository } from '../publication/repository.ts';
import { drawRecordText } from '../draws/records.ts';
import { createDisclosureRepository, type NamedCode, type PublicPlanRow, type TaskRow } from './repository.ts';
import { createPublishedRepository } from './published-repository.ts';

export type { NamedCode, TaskRow, TeamMember, TaskResult } from './repository.ts';

/** A public plan as its portal page shows it. */
export interface PlanDetail {
  id: string;
  title: string;
  status: PublicPlanRow['status'];
  items: Array<NamedCode & { departmentCode: string; departmentName: string }>;
  departments: NamedCode[];
  scheme: PublicPlanRow['scheme'];
  windowFrom: string | null;
  windowTo: string | null;
  commit: PublicPlanRow['commit'];
  committedAt: string;
  /** The records revision of the plan's commit (1: recorded before revision 2, no entropyAt or poolRule). */
  records: 1 | 2;
  /** When the public entropy can first be known, as announced in the commit record (revision 2), else null. */
  entropyAt: string | null;
  /** The draw was made at or after the announced entropyAt (never before: spec §5); null when not drawn or nothing was announced. */
  drawnAfterEntropyAt: boolean | null;
  /** How the pool was formed (commit record, revision 2), else null. */
  poolRule: PoolRule | null;
  /** The witnesses of the draw ceremony (见证人) the plan names. */
  witnesses: string[];
  /** The public draw record's header (the tasks themselves come page by page). */
  draw: {
    serverSeed: string;
    publicEntropy: string;
    seed: string;
    drawnAt: string;
    strata: DrawStratum[];
    taskCount: number;
    /** Each witness's contribution to the public entropy, where the draw was a ceremony. */
    contributions: Contribution[] | null;
  } | null;
  voided: { reason: string; at: string; serverSeed: string | null } | null;
  /** Task grades may be shown: the scheme is public and the draw record was published with grades. */
  gradesPublic: boolean;
  /** Task inspection modes may be shown (see modeShowable). */
  modesPublic: boolean;
  taskCount: number;
  publishedCount: number;
  publications: Array<{ number: number; publishedAt: string; taskCount: number; scope: string; ledgerSeq: number; note: string | null }>;
}

export type LedgerCheck = LedgerVerification & { entries: number; ms: number; checkedFrom: number; fullCheckAt: string };

/**
 * A plan's tasks with only what may be shown of them: no seq, grade or mode the plan does not make public
 * (seq is the grade order of spec §3, so where grades are not public neither is seq; the rows come by entity id).
 */
function publicTasks(plan: PlanDetail, tasks: TaskRow[]): TaskRow[] {
  if (plan.draw === null) return [];
  return tasks.map((t) => ({
    ...t,
    seq: plan.gradesPublic ? t.seq : null,
    grade: plan.gradesPublic ? t.grade : null,
    mode: plan.modesPublic ? t.mode : null,
  }));
}

/**
 * An entity's inspection mode follows from its grade (written checks for the best grade, say), so where the
 * grades are not public the mode is shown only if every grade of the scheme has the same one.
 */
function modeShowable(gradesPublic: boolean, grades: ReadonlyArray<{ mode: string }>): boolean {
  return gradesPublic || new Set(grades.map((g) => g.mode)).size <= 1;
}

/**
 * Every member of the plan's JSON is built from known fields; the draw record (megabytes for a big draw) is
 * spliced in as text in place of its `"draw":null` instead of going through the schema serializer.
 */
function withDrawRecord(planJson: string, drawJson: string): string {
  const at = planJson.indexOf(',"draw":null,');
  return `${planJson.slice(0, at)},"draw":${drawJson},${planJson.slice(at + ',"draw":null,'.length)}`;
}

/** Per database: the last verified ledger entry and when the whole chain was last walked. */
const verifiedPrefix = new WeakMap<Database, { seq: number; hash: string; fullAt: number }>();

export function createDisclosureService(database: Database, options: { ledgerFullCheckSeconds?: number } = {}) {
  const db = database.db;
  const repo = createDisclosureRepository(db);
  const published = createPublishedRepository(db);
  const ledger = createLedgerRepository(db);
  const publications = createPublicationRepository(db);
  const fullCheckSeconds = options.ledgerFullCheckSeconds ?? 600;

  /** The plan row with its items and departments named; the three queries run together. */
  async function namedPlan(id: string) {
    const [plan, items, departments] = await Promise.all([repo.plan(id), repo.planItems(id), repo.planDepartments(id)]);
    if (!plan) return null;
    return {
      plan,
      items: plan.items.map((code) => {
        const r = items.get(code);
        return { code, name: r?.name ?? code, departmentCode: r?.departmentCode ?? '', departmentName: r?.departmentName ?? '' };
      }),
      departments: plan.departments.map((code) => ({ code, name: departments.get(code) ?? code })),
    };
  }

  /** A public plan for its portal page, or null for drafts and unknown ids. */
  async function planDetail(id: string): Promise<PlanDetail | null> {
    const [named, counts, pubs] = await Promise.all([namedPlan(id), repo.planCounts(id), publications.list(id)]);
    if (!named) return null;
    const { plan: p, items, departments } = named;
    const gradesPublic = p.scheme.public && p.draw !== null && p.draw.gradesPublic;
    const entropyAt = p.commit.entropyAt ?? null;
    return {
      id: p.id,
      title: p.title,
      status: p.status,
      items,
      departments,
      scheme: p.scheme,
      windowFrom: p.windowFrom,
      windowTo: p.windowTo,
      commit: p.commit,
      committedAt: p.committedAt,
      records: recordsRevision(p.commit),
      entropyAt,
      drawnAfterEntropyAt: p.draw === null || entropyAt === null ? null : Date.parse(p.draw.drawnAt) >= Date.parse(entropyAt),
      poolRule: p.commit.poolRule ?? null,
      witnesses: p.witnesses,
      draw:
        p.draw === null
          ? null
          : {
              serverSeed: p.draw.serverSeed,
              publicEntropy: p.draw.publicEntropy,
              seed: p.draw.seed,
              drawnAt: p.draw.drawnAt,
              strata: p.commit.strata.map((c) => ({ ...c, drawn: counts.perGrade[c.grade] ?? 0 })),
              taskCount: counts.tasks,
              contributions: p.draw.contributions,
            },
      voided: p.void,
      gradesPublic,
      modesPublic: modeShowable(gradesPublic, p.scheme.grades),
      taskCount: counts.tasks,
      publishedCount: counts.published,
      publications: pubs.map((r) => ({
        number: r.number,
        publishedAt: r.publishedAt,
        taskCount: r.taskCount,
        scope: r.scope,
        ledgerSeq: r.ledgerSeq,
        note: r.note ?? null,
      })),
    };
  }

  /** The verified prefix still ends in the entry we hashed (a rewritten anchor forces a full walk). */
  async function stillHashed(memo: { seq: number; hash: string }): Promise<boolean> {
    if (memo.seq === 0) return true;
    return (await ledgerHashAt(db, memo.seq)) === memo.hash;
  }

  /**
   * Checks the chain with core verifyLedger, streamed in batches so memory stays bounded. The ledger is
   * append-only, so a view re-hashes only the entries after the last verified one (whose stored hash
   * must still be the one verified), and the whole chain is walked again at least every
   * `ledgerFullCheckSeconds` (0 = on every view). Each process keeps its own verified prefix: it is
   * derived from the database, so processes can differ only in how recently they walked it.
   */
  async function verifyChain(): Promise<LedgerCheck> {
    const started = performance.now();
    const now = Date.now();
    let memo = verifiedPrefix.get(database) ?? null;
    if (memo && (now - memo.fullAt >= fullCheckSeconds * 1000 || !(await stillHashed(memo)))) memo = null;
    const fullAt = memo ? memo.fullAt : now;
    let prev: { seq: number; hash: string } | null = memo ? { seq: memo.seq, hash: memo.hash } : null;
    let entries = memo?.seq ?? 0;
    const checkedFrom = entries + 1;
    const done = (v: LedgerVerification) => ({
      ...v,
      entries,
      ms: performance.now() - started,
      checkedFrom,
      fullCheckAt: new Date(fullAt).toISOString(),
    });
    for await (const chunk of streamLedgerEntries(database, prev?.seq ?? 0, 1000)) {
      const v = verifyLedger(chunk, prev ? { startPrevHash: prev.hash, startSeq: prev.seq + 1 } : {});
      entries += chunk.length;
      if (!v.ok) {
        verifiedPrefix.delete(database);
        return done(v);
      }
      prev = { seq: v.seq, hash: v.hash };
    }
    const head = { seq: prev?.seq ?? 0, hash: prev?.hash ?? '0'.repeat(64) };
    verifiedPrefix.set(database, { ...head, fullAt });
    return done({ ok: true, ...head });
  }

  return {
    listPlans: repo.listPlans,

    /** The plan list with the choices for its filters (the portal's front page). */
    async planIndex(filter: PublicPlanFilter, limit: number, offset: number) {
      const [list, facets] = await Promise.all([repo.listPlans(filter, limit, offset), repo.planFacets()]);
      return { ...list, facets };
    },

    /** Id, title and status of a public plan, or null. */
    planHeader: repo.planHeader,

    /**
     * The public record of a plan as JSON text, or null: items, departments, scheme, the commit record, the
     * public draw record, the void with the revealed seed, the drawn entities' names and its ledger entries.
     */
    async planRecordJson(id: string): Promise<string | null> {
      const named = await namedPlan(id);
      if (!named) return null;
      const { plan: p } = named;
      const drawn = p.draw !== null;
      const [drawEntry, entityNames, ledgerEntries] = await Promise.all([
        drawn ? repo.drawEntry(id) : null,
        drawn ? repo.entityNames(id) : null,
        ledger.ofPlan(id),
      ]);
      // the record's text from the ledger body's, unparsed: megabytes for a big plan
      const draw = drawEntry === null ? null : drawRecordText(drawEntry.body, drawEntry.at);
      const body = {
        id: p.id,
        title: p.title,
        status: p.status,
        items: named.items.map((i) => ({ code: i.code, name: i.name, departmentCode: i.departmentCode })),
        departments: named.departments,
        gradeScheme: { code: p.scheme.code, name: p.scheme.name, public: p.scheme.public },
        window: p.windowFrom && p.windowTo ? { from: p.windowFrom, to: p.windowTo } : null,
        commit: p.commit,
        draw: null,
        entityNames: draw === null ? null : entityNames,
        void: p.void === null ? null : { reason: p.void.reason, serverSeed: p.void.serverSeed, voidedAt: p.void.at },
        ledger: ledgerEntries,
      };
      return draw === null ? JSON.stringify(body) : withDrawRecord(JSON.stringify(body), draw);
    },

    /** A plan's portal page: the plan and one page of its tasks (only what may be shown of them), or null. */
    async planPage(id: string, limit: number, offset: number): Promise<{ plan: PlanDetail; tasks: TaskRow[] } | null> {
      // Both at once; the tasks are used only once the plan is known to be public (and drawn).
      const [plan, rows] = await Promise.all([planDetail(id), repo.planTasks(id, limit, offset)]);
      return plan ? { plan, tasks: publicTasks(plan, rows) } : null;
    },

    /** Published results of a public plan, or null when the public may not see the plan. */
    async planResults(id: string, limit: number, offset: number) {
      return (await repo.planHeader(id)) ? published.planResults(id, limit, offset) : null;
    },

    /** Publications (公示批次) of a public plan, or null when the public may not see the plan. */
    async planPublications(id: string) {
      return (await repo.planHeader(id)) ? publications.list(id) : null;
    },

    searchEntities: published.searchEntities,
    entity: published.entity,
    resultCodes: published.listResultCodes,
    followUpActions: published.listFollowUpActions,

    /** The chain head, the chain check and one page of entries newest first (optionally one plan's). */
    async ledgerView(limit: number, offset: number, planId: string | null) {
      const [head, check, page] = await Promise.all([
        ledgerHeadSummary(db),
        verifyChain(),
        ledgerSummaryPage(db, limit, offset, planId ?? undefined),
      ]);
      return { head, check, ...page };
    },
  };
}

export type DisclosureService = ReturnType<typeof createDisclosureService>;
