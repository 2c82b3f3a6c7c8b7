/**
 * IAM's policy evaluation engine: pure functions over policy documents and a request, with no knowledge of HTTP,
 * of the range's state or of any service. The dispatcher, simulate-principal-policy and grading share it.
 */
export { evaluate } from "./evaluate.ts";
export type { AuthzPrincipal, Decision, EvaluationRequest, MatchedStatement, PolicySet } from "./types.ts";
export { policyProblem } from "./validate.ts";
