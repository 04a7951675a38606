/** Disclosure deadlines (谁检查、谁公开 within N working days), shared by tasks and results. */
import { addDays, latestStartWithin, type Calendar } from '../../core/calendar.ts';

/** The service setting N (SUICHA_DISCLOSURE_WORKING_DAYS): working days from an inspection to its publication. */
export interface DisclosureSettings {
  disclosureWorkingDays: number;
}

/** The latest inspectedOn whose deadline passed before today: kept here so callers agree on it. */
export const overdueInspectedBy = (today: string, workingDays: number, calendar: Calendar) =>
  latestStartWithin(addDays(today, -1), workingDays, calendar);
