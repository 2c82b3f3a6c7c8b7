/** S3's CloudTrail requestParameters: bucketName, Host and key, plus the resources list of ARNs. */
export function s3Audit(_operation: string, input: Record<string, unknown>, host: string) {
  const requestParameters: Record<string, unknown> = { Host: host };
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || v instanceof Uint8Array || (typeof v === "object" && v !== null && typeof (v as { pipe?: unknown }).pipe === "function")) continue;
    if (k === "Bucket") requestParameters.bucketName = v;
    else if (k === "Key") requestParameters.key = v;
    else if (typeof v !== "object") requestParameters[k[0].toLowerCase() + k.slice(1)] = v instanceof Date ? v.toISOString() : v;
  }
  const bucket = typeof input.Bucket === "string" ? input.Bucket : undefined;
  const resources: Record<string, string>[] = [];
  if (bucket && typeof input.Key === "string") resources.push({ type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${input.Key}` });
  if (bucket) resources.push({ type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` });
  return { requestParameters, resources: resources.length ? resources : undefined };
}
