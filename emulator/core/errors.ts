/** A service error as AWS names it; each protocol codec renders it in its own wire shape. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members some error shapes carry (S3's BucketName/Key, …). */
  readonly fields: Record<string, string>;
  readonly sender: boolean;

  constructor(code: string, message: string, status = 400, fields: Record<string, string> = {}) {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.status = status;
    this.fields = fields;
    this.sender = status < 500;
  }
}

/** The protocol-appropriate codes for the few generic failures the core itself raises. */
export interface ErrorVocabulary {
  validation: string;
  missing: string;
  unknownOperation: string;
  unknownOperationStatus: number;
  unknownKey: string;
  unknownKeyStatus: number;
  badSignature: string;
  badSignatureStatus: number;
  missingAuth: string;
  expiredToken: string;
  expiredTokenStatus: number;
  malformed: string;
}
