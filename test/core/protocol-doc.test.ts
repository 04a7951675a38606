/**
 * The implementer's guide (openapi/draw-protocol.md) cannot drift from the core: the §8 worked example's files are
 * read from the document's code blocks, and every digest and value it states is recomputed here — as is the §2
 * ceremony example.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeCeremonyEntropy } from '../../src/core/ceremony.ts';
import { runDraw } from '../../src/core/draw/run.ts';
import { commitmentOf } from '../../src/core/draw/seed.ts';
import { parseTaskFile, publicTaskOrder, serializeTaskFile } from '../../src/core/draw/taskfile.ts';
import { ledgerEntryHash, verifyLedger, type LedgerEntry } from '../../src/core/ledger.ts';
import { sha256Hex } from '../../src/core/sha256.ts';

const DOC = readFileSync(fileURLToPath(new URL('../../openapi/draw-protocol.md', import.meta.url)), 'utf8');

/** The text of section `## n.` up to the next `## ` heading. */
function section(n: number): string {
  const start = DOC.indexOf(`\n## ${n}. `);
  if (start < 0) throw new Error(`no section ${n}`);
  const end = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

/** Code blocks of a text, each with the prose between the previous block (or the start) and it. */
function blocks(text: string): { lang: string; body: string; before: string }[] {
  const out: { lang: string; body: string; before: string }[] = [];
  const re = /```(\w*)\n([\s\S]*?)```/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ lang: m[1], body: m[2], before: text.slice(last, m.index) });
    last = re.lastIndex;
  }
  return out;
}

const hexesIn = (s: string): string[] => [...s.matchAll(/`([0-9a-f]{64})`/g)].map((m) => m[1]);

t.test('§8 worked example: every stated value recomputes', async (t) => {
  const s8 = section(8);
  const bs = blocks(s8);
  t.equal(bs.length, 5, 'entity, inspector, recusal and task files, and the ledger entry');
  const [entities, inspectors, recusals, tasks, entry] = bs;
  const files = { entitySnapshot: entities.body, inspectorSnapshot: inspectors.body, recusalSnapshot: recusals.body };

  for (const [b, name] of [
    [entities, 'entitySnapshotDigest'],
    [inspectors, 'inspectorSnapshotDigest'],
    [recusals, 'recusalDigest'],
    [tasks, 'taskDigest'],
  ] as const) {
    t.match(b.before, new RegExp(`\`${name}\` = \`[0-9a-f]{64}\``), `${name} is stated before its file`);
    const stated = hexesIn(b.before).at(-1);
    t.equal(sha256Hex(b.body), stated, `${name}: the file in the document hashes to the stated digest`);
  }

  // Parameters, as written in prose.
  const params = /Parameters: gradeOrder ([A-Z, ]+); ratioBp ([A-Z0-9 ,]+); inspectorsPerTask ([A-Za-z0-9 ,]+)\./.exec(s8);
  t.ok(params, 'the parameters line');
  const gradeOrder = params![1].split(', ');
  const ratiosBp = Object.fromEntries(params![2].split(', ').map((x) => [x.split(' ')[0], Number(x.split(' ')[1])]));
  const inspectorsPerTask = Object.fromEntries(params![3].split(', ').map((x) => [x.split(' ')[0], Number(x.split(' ')[1])]));

  // The table of values.
  const row = (name: string) => new RegExp(`^\\| ${name} \\| \`([^\`]*)\` \\|$`, 'm').exec(s8)?.[1];
  const serverSeed = row('serverSeed')!;
  const publicEntropy = row('publicEntropy')!;
  t.equal(commitmentOf(serverSeed), row('commitment'), 'commitment = H(serverSeed)');

  const result = runDraw({ ...files, serverSeed, publicEntropy, gradeOrder, ratiosBp, inspectorsPerTask });
  t.equal(result.seed, row('seed'), 'seed');
  const strata = /\| strata \(population → drawn\) \| (.+) \|/.exec(s8)![1];
  t.equal(strata, result.strata.map((x) => `${x.grade} ${x.population} → ${x.drawn}`).join(', '), 'strata');
  t.equal(serializeTaskFile(result.tasks), tasks.body, 'the task file is the replay');

  const order = /The public \(revision 2\) order of the same tasks, by entityId: ([^.]+)\./.exec(s8)![1].split(/,\s+/);
  t.strictSame(
    order,
    publicTaskOrder(parseTaskFile(tasks.body)).map((x) => x.entityId),
    'the public order',
  );

  // The ledger entry: its hash, and its body against the files and values above.
  const e = JSON.parse(entry.body) as LedgerEntry<Record<string, unknown>>;
  const stated = hexesIn(entry.before).at(-1);
  t.equal(ledgerEntryHash(e), stated, 'the entry hashes to the stated hash');
  t.equal(e.hash, stated);
  t.ok(verifyLedger([e]).ok, 'a valid first entry');
  t.equal(e.body.commitment, row('commitment'));
  t.equal(e.body.entitySnapshotDigest, sha256Hex(entities.body));
  t.equal(e.body.inspectorSnapshotDigest, sha256Hex(inspectors.body));
  t.equal(e.body.recusalDigest, sha256Hex(recusals.body));
  t.strictSame(e.body.gradeOrder, gradeOrder);
  t.strictSame(e.body.inspectorsPerTask, inspectorsPerTask);
  t.strictSame(
    e.body.strata,
    result.strata.map((x) => ({ grade: x.grade, population: x.population, ratioBp: x.ratioBp })),
  );
});

t.test('§2 ceremony example recomputes', async (t) => {
  const s2 = section(2);
  const b = blocks(s2).find((x) => x.before.includes('Example: two witnesses'));
  t.ok(b, 'the example block');
  const contributions = b!.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [witness, value] = l.split('\t');
      return { witness, value };
    });
  t.equal(contributions.length, 2);
  const after = s2.slice(s2.indexOf(b!.body) + b!.body.length);
  const hash = hexesIn(after)[0];
  t.equal(sha256Hex(b!.body), hash, 'the contribution file hashes to the stated hash');
  t.match(after, `\`publicEntropy\` = \`ceremony-v1:${hash}\``);
  t.equal(composeCeremonyEntropy(contributions), `ceremony-v1:${hash}`);
  // the prose names the same witnesses and values
  for (const c of contributions) t.match(b!.before, `${c.witness} contributing \`${c.value}\``);
});
