/** Security Hub's errors: its own exception names, with the Code member its SDK shapes carry. */
import { AwsError } from "../../core/errors.ts";
import { pageOffset } from "../../core/page-token.ts";

export function invalidInput(message: string): AwsError {
  return new AwsError("InvalidInputException", message, 400, { Code: "InvalidInputException" });
}

export function invalidAccess(message: string): AwsError {
  return new AwsError("InvalidAccessException", message, 401, { Code: "InvalidAccessException" });
}

export function notFound(message: string): AwsError {
  return new AwsError("ResourceNotFoundException", message, 404, { Code: "ResourceNotFoundException" });
}

export function conflict(message: string): AwsError {
  return new AwsError("ResourceConflictException", message, 409, { Code: "ResourceConflictException" });
}

/** MaxResults (1–100, default 100) and where the NextToken a previous page gave starts, or Security Hub's error. */
export function pageStart(maxResults: number | undefined, nextToken: string | undefined, salt: string): { max: number; offset: number } {
  const max = maxResults ?? 100;
  if (max < 1 || max > 100) throw invalidInput("MaxResults must be between 1 and 100");
  return { max, offset: pageOffset(nextToken, salt, () => invalidInput("The NextToken value is not valid")) };
}
