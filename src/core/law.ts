/** Numbers the law fixes. Pure: no I/O. */

/**
 * 行政处罚法 第四十二条: 执法人员不得少于两人. Each department sends at least this many inspectors to a task, and a
 * result is published only once this many of them have signed it.
 */
export const MIN_LAW_ENFORCEMENT_OFFICERS = 2;
