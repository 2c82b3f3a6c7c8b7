# Serializes one request with botocore (the Python AWS CLI's own serializer), so codec tests see exactly what the CLI sends.
import json, sys, botocore.session
from botocore import serialize
s = botocore.session.get_session()
svc, op, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
model = s.get_service_model(svc)
om = model.operation_model(op)
ser = serialize.create_serializer(model.metadata['protocol'])
req = ser.serialize_to_request(params, om)
body = req['body']
if isinstance(body, dict):
    from urllib.parse import urlencode
    body = urlencode(body)
print(json.dumps({"body": body if isinstance(body, str) else body.decode(), "headers": dict(req['headers']), "url_path": req['url_path'], "query": req['query_string'], "method": req['method']}))
