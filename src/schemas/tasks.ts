/** Schemas of tasks (抽查任务) as inspectors and planners see them. The domain takes its types from these. */
import { Type, type Static } from 'typebox';
import { CODE_PATTERN, ID_PATTERN, MAX_INT32, PagingFields } from './common.ts';

/** A query flag: 1/0 or true/false. */
export const Flag = (description: string) =>
  Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0')], { description: `${description}: 1/true or 0/false` });
export type Flag = Static<ReturnType<typeof Flag>>;
export const isSet = (v: Flag | undefined) => v === true || v === '1';

/** Derived from a task's results, never stored (see domain/tasks/repository.ts). */
const taskStatus = (options: { description?: string } = {}) =>
  Type.Union([Type.Literal('assigned'), Type.Literal('recorded'), Type.Literal('published'), Type.Literal('correcting')], options);
export type TaskStatus = Static<ReturnType<typeof taskStatus>>;

export const TaskParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_INT32 }) }, { additionalProperties: false });

const Member = Type.Object({
  position: Type.Integer(),
  departmentCode: Type.String(),
  departmentName: Type.Union([Type.String(), Type.Null()]),
  inspectorId: Type.String(),
  inspectorName: Type.String(),
});
export type TeamMember = Static<typeof Member>;

export const Task = Type.Object({
  id: Type.Integer(),
  planId: Type.String(),
  planTitle: Type.String(),
  seq: Type.Integer({ description: 'the task’s number in the draw (spec §3)' }),
  entityId: Type.String(),
  entity: Type.Object({
    id: Type.String(),
    name: Type.String(),
    address: Type.Union([Type.String(), Type.Null()]),
    region: Type.String(),
  }),
  grade: Type.Union([Type.String(), Type.Null()], {
    description:
      'the entity’s grade in the plan’s scheme at commit; null for inspector tokens unless the scheme is public (信用等级 is not shown beyond planners and auditors)',
  }),
  mode: Type.String({ description: 'onsite (现场检查), or written (书面检查) where the grade scheme allows a written check' }),
  team: Type.Array(Member, { description: 'the drawn team (执法检查人员), in protocol order' }),
  status: taskStatus({
    description:
      'assigned: no result (a joint plan’s task: some department of its team has none yet); recorded: entered, not published; ' +
      'published; correcting: published with a pending correction. A joint task’s status is over all its departments’ results; ' +
      '`result` is its most recent one, each department’s is at /tasks/{id}/result?department=',
  }),
  windowFrom: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  dueDate: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'end of the plan’s inspection window' }),
  result: Type.Union([
    Type.Object({
      version: Type.Integer(),
      resultCode: Type.String(),
      inspectedOn: Type.String({ format: 'date' }),
      disclosureDeadline: Type.String({ format: 'date', description: 'inspectedOn + N working days (谁检查、谁公开)' }),
      publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
      publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
    Type.Null(),
  ]),
});
export type TaskJson = Static<typeof Task>;

export const TaskListQuery = Type.Object(
  {
    ...PagingFields,
    mine: Type.Optional(Flag('only the token’s inspector’s tasks (inspector tokens)')),
    plan: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    status: Type.Optional(taskStatus()),
    department: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'a department on the team' })),
    inspector: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    entity: Type.Optional(Type.String({ pattern: ID_PATTERN })),
    overdue: Type.Optional(Flag('only overdue tasks')),
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuery>;
