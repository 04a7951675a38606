/**
 * The worked example of draw-protocol-v1.md §7, verbatim: inputs and the published results.
 * Test material: the suite's fixed vector (never adjust it to make a test pass).
 */

export const SPEC_EXAMPLE = {
  entitySnapshot:
    '915001033AGYGLUY2P\tA\n' +
    '915001053W7WKKHD98\tB\n' +
    '915001054WLNNJ90XP\tD\n' +
    '91500106RJHTPQQF9H\tB\n' +
    '91500106UNBBED2C53\tB\n' +
    '91500107WJHFU3DG2R\tA\n' +
    '9150010839T3E0TW3H\tD\n' +
    '91500110XBRCPGL20W\tB\n' +
    '91500112MFMA6C8B0X\tA\n' +
    '92500103PA2HH99E7G\tC\n' +
    '92500107QQJE70K23F\tC\n' +
    '92500108RQUKWFCX6A\tD\n',
  inspectorSnapshot: 'SCJG\tSJ-001\n' + 'SCJG\tSJ-002\n' + 'SCJG\tSJ-003\n' + 'SCJG\tSJ-004\n' + 'WJW\tWJ-01\n' + 'WJW\tWJ-02\n',
  recusalSnapshot: 'SJ-001\t9150010839T3E0TW3H\n' + 'SJ-002\t9150010839T3E0TW3H\n' + 'WJ-01\t92500108RQUKWFCX6A\n',
  gradeOrder: ['A', 'B', 'C', 'D'],
  ratiosBp: { A: 2000, B: 3000, C: 5000, D: 10000 } as Record<string, number>,
  inspectorsPerTask: { SCJG: 2, WJW: 1 } as Record<string, number>,
  serverSeed: 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ffeebeef',
  publicEntropy: '6 2 5 3 1 4 4 2 6 1',
  planId: 'PLAN-2026-0001',
  entropySource: '公开摇号现场掷骰 10 次（见证人：区司法局、区纪委监委派驻组）',
  committedAt: '2026-11-22T02:00:00.000Z',
} as const;

/** The published values of §7. */
export const SPEC_EXAMPLE_EXPECTED = {
  entitySnapshotDigest: '8de5549bb1793a4b8208828747343c0201af5307341a843119fd11e46a389aa7',
  inspectorSnapshotDigest: 'dae32be235674931591f446eece79827d5f5a83a25829ebb5acf29c40a9cc5d5',
  recusalDigest: '4eef54f40b7f1ed7ff205e4835b245cc06979584c313fb9a2cc46d1e65351f23',
  commitment: '1c341f379a371e7fdbcbe2533400004e15e9fed3ae840972e196d0eca36a0785',
  seed: 'f7fe2d47ab2e04197f04544bfcfef362233bea490b4fb9ce2f802bbf506dbc35',
  strata: [
    { grade: 'A', population: 3, ratioBp: 2000, drawn: 1 },
    { grade: 'B', population: 4, ratioBp: 3000, drawn: 2 },
    { grade: 'C', population: 2, ratioBp: 5000, drawn: 1 },
    { grade: 'D', population: 3, ratioBp: 10000, drawn: 3 },
  ],
  /** seq, entityId, grade, inspectors as "department:inspector". */
  tasks: [
    [1, '91500112MFMA6C8B0X', 'A', ['SCJG:SJ-001', 'SCJG:SJ-004', 'WJW:WJ-01']],
    [2, '91500106UNBBED2C53', 'B', ['SCJG:SJ-004', 'SCJG:SJ-002', 'WJW:WJ-02']],
    [3, '91500110XBRCPGL20W', 'B', ['SCJG:SJ-003', 'SCJG:SJ-002', 'WJW:WJ-02']],
    [4, '92500107QQJE70K23F', 'C', ['SCJG:SJ-002', 'SCJG:SJ-004', 'WJW:WJ-01']],
    [5, '9150010839T3E0TW3H', 'D', ['SCJG:SJ-003', 'SCJG:SJ-004', 'WJW:WJ-02']],
    [6, '915001054WLNNJ90XP', 'D', ['SCJG:SJ-003', 'SCJG:SJ-002', 'WJW:WJ-01']],
    [7, '92500108RQUKWFCX6A', 'D', ['SCJG:SJ-003', 'SCJG:SJ-001', 'WJW:WJ-02']],
  ] as [number, string, string, string[]][],
  /** The §7 plan.committed ledger entry, as printed in the spec (hash included). */
  ledgerEntry: {
    seq: 1,
    kind: 'plan.committed',
    planId: 'PLAN-2026-0001',
    at: '2026-11-22T02:00:00.000Z',
    body: {
      protocol: 'draw-v1',
      planId: 'PLAN-2026-0001',
      commitment: '1c341f379a371e7fdbcbe2533400004e15e9fed3ae840972e196d0eca36a0785',
      entitySnapshotDigest: '8de5549bb1793a4b8208828747343c0201af5307341a843119fd11e46a389aa7',
      inspectorSnapshotDigest: 'dae32be235674931591f446eece79827d5f5a83a25829ebb5acf29c40a9cc5d5',
      recusalDigest: '4eef54f40b7f1ed7ff205e4835b245cc06979584c313fb9a2cc46d1e65351f23',
      gradeOrder: ['A', 'B', 'C', 'D'],
      strata: [
        { grade: 'A', population: 3, ratioBp: 2000 },
        { grade: 'B', population: 4, ratioBp: 3000 },
        { grade: 'C', population: 2, ratioBp: 5000 },
        { grade: 'D', population: 3, ratioBp: 10000 },
      ],
      inspectorsPerTask: { SCJG: 2, WJW: 1 },
      entropySource: '公开摇号现场掷骰 10 次（见证人：区司法局、区纪委监委派驻组）',
    },
    prevHash: '0000000000000000000000000000000000000000000000000000000000000000',
    hash: '273340bf11140363944cb4a216e72ed1b0932fc34db2cb978ebe0b03560b1842',
  },
};
