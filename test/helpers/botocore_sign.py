# Signs requests with botocore's own SigV4 signers (the aws CLI's), headers or presigned query, S3 or not.
# stdin: JSON list of {method, url, headers, body, service, region, presign, expires, token}; stdout: the signed requests.
import json, sys
from botocore.auth import SigV4Auth, S3SigV4Auth, SigV4QueryAuth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

out = []
for spec in json.load(sys.stdin):
    creds = Credentials("AKIAIRRANGERESPOND01", "irRangeResponderSecretKey0000000000000001", spec.get("token"))
    req = AWSRequest(method=spec["method"], url=spec["url"], headers=spec["headers"], data=spec["body"].encode())
    s3 = spec["service"] == "s3"
    if spec["presign"]:
        auth = (S3SigV4QueryAuth if s3 else SigV4QueryAuth)(creds, spec["service"], spec["region"], expires=spec["expires"])
    else:
        auth = (S3SigV4Auth if s3 else SigV4Auth)(creds, spec["service"], spec["region"])
    auth.add_auth(req)
    out.append({"method": req.method, "url": req.url, "headers": dict(req.headers), "body": spec["body"]})
print(json.dumps(out))
