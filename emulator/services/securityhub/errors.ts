/** Security Hub's errors: its own exception names, with the Code member its SDK shapes carry. */
import { AwsError } from "../../core/errors.ts";

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
