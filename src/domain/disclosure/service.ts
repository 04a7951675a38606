/**
 * The public read model (一公开): everything the public may read, for the JSON API under /public/v1 and for
 * the portal alike, so both always show the same plan, the same results and the same entity. The rules of
 * what may be shown live here and in the repository's queries: only committed, drawn or voided plans; only
 * published result versions; the server seed once the draw or the void has revealed it; task grades (and the
 * modes that follow from them) only where the plan's grade scheme and draw record make them public.
 */
import type { Database } from '../../db/client.ts';
import { recordsRevision, type CommitRecord, type DrawStratum, type PoolRule } from '../../core/replay.ts';
import type { Contribution } from '../../core/ceremony.ts';
import { verifyLedger, type LedgerVerification } from '../../core/ledger.ts';
import type { Static } from 'typebox';
import type { PublicDrawHeader, PublicPlanFilter, PublicPlanRecord, PublicTaskPage } from '../../schemas/public.ts';
import { createLedgerRepository, ledgerHashAt, ledgerHeadSummary, ledgerSummaryPage, streamLedgerEntries } from '../ledger/repository.ts';
import { createPublicationRepository } from '../publication/repository.ts';
import { ledgerBodySlices } from '../ledger/stream.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
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
  /** The published annual programme (计划公告) and batch the plan carries out. */
  programme: PublicPlanRow['programme'];
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

/** Drawn entities' names per query of the streamed record. */
const NAMES_BATCH = 5000;

/**
 * The cursor of a task page: the last entity id of the previous page, base64url-encoded behind a version
 * tag. It says nothing the page did not (entity ids are public; no seq, no position, no grade).
 */
const CURSOR_TAG = 'e1:';

export function encodeTaskCursor(entityId: string): string {
  return encodeCursor(CURSOR_TAG, entityId);
}

/** The entity id a cursor names; a bad request (naming `cursor`) for anything we did not hand out. */
export function decodeTaskCursor(cursor: string): string {
  return decodeCursor(cursor, CURSOR_TAG);
}

/** Which task members the public draw record carries: seq in revision 1 or on a public scheme, grade on a public scheme. */
function shownOf(commit: CommitRecord, draw: { gradesPublic: boolean }): { seq: boolean; grade: boolean } {
  return { seq: recordsRevision(commit) === 1 || draw.gradesPublic, grade: draw.gradesPublic };
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

  /** The members of a public record before its commit: id, title, status, items, departments, scheme, window. */
  function recordHeader(named: NonNullable<Awaited<ReturnType<typeof namedPlan>>>) {
    const { plan: p } = named;
    return {
      id: p.id,
      title: p.title,
      status: p.status,
      items: named.items.map((i) => ({ code: i.code, name: i.name, departmentCode: i.departmentCode })),
      departments: named.departments,
      gradeScheme: { code: p.scheme.code, name: p.scheme.name, public: p.scheme.public },
      window: p.windowFrom && p.windowTo ? { from: p.windowFrom, to: p.windowTo } : null,
      programme: p.programme,
      commit: p.commit,
    };
  }

  /** One page of the task list, its entities' names and the cursor of the next page. */
  async function taskPage(id: string, shown: { seq: boolean; grade: boolean }, after: string | null, limit: number): Promise<PublicTaskPage> {
    const { tasks, names, more } = await repo.taskPage(id, after, limit, shown);
    const last = tasks.at(-1);
    return { items: tasks, entityNames: names, limit, next: more && last ? encodeTaskCursor(last.entityId) : null };
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
      programme: p.programme,
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
     * The public record of a plan, or null: items, departments, scheme, the commit record, the public draw
     * record's header and the first page of its tasks (at most `limit`), the void with the revealed seed and
     * its ledger entries. Bounded whatever the plan's size: the rest of the tasks come by cursor (planTaskPage).
     */
    async planRecord(id: string, limit: number): Promise<PublicPlanRecord | null> {
      const named = await namedPlan(id);
      if (!named) return null;
      const { plan: p } = named;
      const [head, ledgerEntries] = await Promise.all([p.draw === null ? null : repo.drawHead(id), ledger.ofPlan(id)]);
      const draw = head === null ? null : ({ ...JSON.parse(head.head), drawnAt: head.at } as Static<typeof PublicDrawHeader>);
      const tasks = draw === null || p.draw === null ? null : await taskPage(id, shownOf(p.commit, p.draw), null, limit);
      return {
        ...recordHeader(named),
        draw,
        tasks,
        void: p.void === null ? null : { reason: p.void.reason, serverSeed: p.void.serverSeed, voidedAt: p.void.at },
        ledger: ledgerEntries,
        download: `/public/v1/plans/${encodeURIComponent(p.id)}/record.json`,
      };
    },

    /**
     * A page of a drawn public plan's task list after `cursor` (null: the first page), or null when the
     * public may not see the plan or it is not drawn. A cursor that is not one of ours is a bad request.
     */
    async planTaskPage(id: string, cursor: string | null, limit: number): Promise<PublicTaskPage | null> {
      const after = cursor === null ? null : decodeTaskCursor(cursor);
      const p = await repo.plan(id);
      if (p === null || p.draw === null) return null;
      return taskPage(id, shownOf(p.commit, p.draw), after, limit);
    },

    /**
     * The whole public record in one JSON document, streamed (the download): the header as planRecord's,
     * the full draw record read slice by slice from its ledger body (exactly the hashed text plus drawnAt)
     * and every drawn entity's name, keyset page by page. Never built whole in memory. Null as planRecord.
     */
    async planRecordStream(id: string): Promise<AsyncGenerator<string> | null> {
      const named = await namedPlan(id);
      if (!named) return null;
      const { plan: p } = named;
      const [head, ledgerEntries] = await Promise.all([p.draw === null ? null : repo.drawHead(id), ledger.ofPlan(id)]);
      const text = JSON.stringify({
        ...recordHeader(named),
        draw: null,
        entityNames: null,
        void: p.void === null ? null : { reason: p.void.reason, serverSeed: p.void.serverSeed, voidedAt: p.void.at },
        ledger: ledgerEntries,
      });
      const marker = ',"draw":null,"entityNames":null,';
      const at = text.indexOf(marker);
      if (at < 0) throw new Error('unexpected public record text');
      const before = text.slice(0, at);
      const after = text.slice(at + marker.length);
      async function* chunks(): AsyncGenerator<string> {
        if (head === null) {
          yield text;
          return;
        }
        yield `${before},"draw":`;
        // the body's text without its closing brace, then drawnAt: drawRecordText, slice by slice
        let held: string | null = null;
        for await (const part of ledgerBodySlices(db, head.seq)) {
          if (held !== null) yield held;
          held = part;
        }
        if (held === null || !held.endsWith('}')) throw new Error(`ledger entry ${head.seq}: a draw body is an object`);
        yield `${held.slice(0, -1)},"drawnAt":${JSON.stringify(head.at)}}`;
        yield ',"entityNames":{';
        let last: string | null = null;
        let first = true;
        for (;;) {
          const names = await repo.entityNamesAfter(id, last, NAMES_BATCH);
          if (names.length === 0) break;
          const members = names.map((n) => `${JSON.stringify(n.id)}:${JSON.stringify(n.name)}`).join(',');
          yield first ? members : `,${members}`;
          first = false;
          last = names[names.length - 1].id;
          if (names.length < NAMES_BATCH) break;
        }
        yield `},${after}`;
      }
      return chunks();
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
