/** A scenario's assessment (recordings/<name>/assessment.json): questions, containment and order objectives. */
import { z } from "zod";

const text = z.object({ en: z.string(), ja: z.string() });

/** A moment of the recording as an answer writes it: YYYY, MM, DD, hh, mm, ss at a UTC offset (e.g. JST "+09:00"). */
export const spellingSchema = z.object({
  at: z.iso.datetime(),
  format: z.string().regex(/YYYY|MM|DD|hh|mm|ss/),
  utcOffset: z
    .string()
    .regex(/^[+-]\d\d:\d\d$/)
    .default("+00:00"),
});

export const questionSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  points: z.number().positive(),
  prompt: text,
  hint: text,
  /**
   * How answers compare: text (case/space-insensitive, any accepted form), id (ARN or bare id), set (ids in any
   * order, partial credit), time (ISO 8601, within windowMinutes of the expected moment).
   */
  kind: z.enum(["text", "id", "set", "time"]),
  /** sha256 of salt:id:normalized answer, one per accepted answer (or per set member). */
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1),
  windowMinutes: z.number().int().min(0).default(2),
  /**
   * Moments an answer spells (a date in an object key, …) that the range shifts with the incident: each is the
   * recorded moment and how it is written. The hashes are of the recording's spelling; grading writes the student's
   * shifted spelling back before hashing (text, id and set answers).
   */
  spelled: z.array(spellingSchema).default([]),
  example: z.string(),
});

export const objectiveSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  points: z.number().positive(),
  title: text,
  hint: text,
  /** A check from emulator/grading/checks.ts, with its parameters. */
  check: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const assessmentSchema = z.object({
  scenario: z.string(),
  salt: z.string().min(8),
  questions: z.array(questionSchema),
  containment: z.array(objectiveSchema),
  order: z.array(objectiveSchema),
});

export type Assessment = z.infer<typeof assessmentSchema>;
/** An assessment as written (defaults left out), e.g. by scripts/make-assessment.ts. */
export type AssessmentInput = z.input<typeof assessmentSchema>;
export type Question = z.infer<typeof questionSchema>;
export type Objective = z.infer<typeof objectiveSchema>;
export type Spelling = z.infer<typeof spellingSchema>;
