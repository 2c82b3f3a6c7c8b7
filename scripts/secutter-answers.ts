/** The right answers to the secutter questions, derived from the generator's facts (for tests and the key). */
import { secutterFacts } from "../recordings/secutter/generate.ts";

export function secutterAnswers(anchor: Date) {
  const facts = secutterFacts(anchor);
  const answers = {
    "attacker-ip": facts.attackerIp,
    "credential-theft": "ssrf",
    "stolen-key": facts.stolenAccessKeyId,
    "first-malicious-call": facts.firstMaliciousCall.eventName,
    "first-malicious-time": facts.firstMaliciousCall.eventTime,
    "rogue-instances": Object.values(facts.miners).flat(),
    "rogue-regions": Object.keys(facts.miners),
    "exfiltrated-object": `s3://${facts.exfiltrated.bucket}/${facts.exfiltrated.key}`,
    persistence: [facts.keyPairName, ...Object.values(facts.securityGroups).filter((v) => v.startsWith("sg-"))],
    "miner-host": facts.poolIp,
  };
  return { answers, facts };
}
