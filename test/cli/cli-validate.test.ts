// The built CLI as a user runs it, on real plans: every input kind, every format, policy controls,
// and a one-line error (exit 2) for each wrong input.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { CLI, FIXTURES, ROOT, fixturePlan, runCli } from "../helpers/paths";
import "./formatters/sarif-matcher";

const work = mkdtempSync(join(tmpdir(), "ddb-guardrails-cli-"));
const unencrypted = fixturePlan("table-unencrypted");

function expectOneLineError(run: { status: number | null; stdout: string; stderr: string }, reason: RegExp): void {
  expect(run.stdout).toBe("");
  expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^ddb-guardrails: error: /)]);
  expect(run.stderr).toMatch(reason);
  expect(run.status).toBe(2);
}

/** A Terraform directory: a fixture's HCL (main.tf, and monitoring.tf where it has one) with the offline provider beside it. */
function terraformDir(name: string, fixture: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const file of readdirSync(join(FIXTURES, fixture)).filter((f) => f.endsWith(".tf")))
    cpSync(join(FIXTURES, fixture, file), join(dir, file));
  cpSync(join(FIXTURES, "offline-provider.tf"), join(dir, "offline-provider.tf"));
  return dir;
}

describe("inputs", () => {
  let tfdir: string;
  beforeAll(() => {
    tfdir = terraformDir("tf-unencrypted", "table-unencrypted");
  });

  test("a Terraform directory is planned (init + plan + show) and validated, with file:line locations", () => {
    const run = runCli(["validate", tfdir, "--format", "sarif"], { cwd: work });
    expect(run.status).toBe(1);
    const result = JSON.parse(run.stdout).runs[0].results[0];
    expect(result.ruleId).toBe("DDB-ENC-001");
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "tf-unencrypted/main.tf", uriBaseId: "%SRCROOT%" },
      region: { startLine: 2 },
    });
    expect(existsSync(join(tfdir, "terraform.tfstate"))).toBe(false); // plan only
  });

  test("a binary saved plan is read with terraform show, locations from the plan's directory", () => {
    const plan = spawnSync("terraform", ["plan", "-input=false", "-no-color", "-out=tfplan"], {
      cwd: tfdir,
      encoding: "utf8",
    });
    expect(plan.status).toBe(0); // init ran in the previous test
    const run = runCli(["validate", join(tfdir, "tfplan")], { cwd: tfdir });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.invalid_aws_owned_key\s+DDB-ENC-001 .*\[main\.tf:2\]/);
  });

  test("a saved plan is read in its own initialized folder, whatever the current folder", () => {
    const run = runCli(["validate", join(tfdir, "tfplan")], { cwd: FIXTURES });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/aws_dynamodb_table\.invalid_aws_owned_key\s+DDB-ENC-001/);
  });

  test("stdin with --source-dir gets locations too", () => {
    const run = runCli(["validate", "-", "--source-dir", join(FIXTURES, "table-unencrypted")], {
      input: readFileSync(unencrypted),
      cwd: FIXTURES,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\[table-unencrypted\/main\.tf:2\]/);
  });

  describe("a CDKTF app with two stacks", () => {
    let app: string;
    beforeAll(() => {
      app = join(work, "cdktf-app");
      cpSync(join(FIXTURES, "cli-cdktf-app"), app, { recursive: true });
    });
    // The copy lives outside the repository; it finds cdktf through NODE_PATH.
    const env = { NODE_PATH: join(ROOT, "node_modules") };

    test("asks for --stack, naming the stacks", () => {
      expectOneLineError(
        runCli(["validate", app], { env }),
        /the app has 2 stacks \(encrypted, unencrypted\); pick one with --stack/,
      );
      expectOneLineError(
        runCli(["validate", app, "--stack", "nope"], { env }),
        /--stack nope: no such stack \(stacks: encrypted, unencrypted\)/,
      );
    });

    test("synthesizes, plans the chosen stack and passes the encrypted one", () => {
      const run = runCli(["validate", app, "--stack", "encrypted", "--rules", "encryption"], { env, cwd: app });
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(/^PASS \(\d+ of \d+ rules; only encryption ran\) 0 violations in 2 resources/m);
      expect(run.status).toBe(0);
    });

    test("a synthesized stack directory is planned as is, and findings point at the construct", () => {
      const run = runCli(["validate", join(app, "cdktf.out", "stacks", "unencrypted"), "--format", "sarif"], {
        env,
        cwd: app,
      });
      expect(run.status).toBe(1);
      const location = JSON.parse(run.stdout).runs[0].results[0].locations[0];
      expect(location.logicalLocations).toEqual([
        { fullyQualifiedName: "aws_dynamodb_table.CartsTable", kind: "resource" },
        { fullyQualifiedName: "unencrypted/CartsTable", kind: "module" },
      ]);
    });

    test("a synth that fails shows the app's error", () => {
      const broken = join(work, "cdktf-broken");
      mkdirSync(broken);
      writeFileSync(join(broken, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node app.js" }));
      writeFileSync(join(broken, "app.js"), `throw new TypeError("stack props missing: tableName");\n`);
      expectOneLineError(
        runCli(["validate", broken]),
        /synth of the CDKTF app in .* failed: .*TypeError: stack props missing: tableName/,
      );
    });
  });

  describe("wrong inputs exit 2 with one line", () => {
    test("a missing file", () => {
      expectOneLineError(
        runCli(["validate", join(work, "no-such-plan.json")]),
        /no-such-plan\.json: no such file or directory/,
      );
    });

    test("JSON that is not a plan", () => {
      const file = join(work, "not-a-plan.json");
      writeFileSync(file, JSON.stringify({ hello: "world" }));
      expectOneLineError(runCli(["validate", file]), /is not a terraform plan/);
    });

    test("a .tf file instead of its directory", () => {
      expectOneLineError(
        runCli(["validate", join(FIXTURES, "table-unencrypted", "main.tf")]),
        /main\.tf: is Terraform source, not a plan; pass its directory/,
      );
    });

    test("a directory with nothing to plan", () => {
      const empty = join(work, "empty");
      mkdirSync(empty);
      expectOneLineError(runCli(["validate", empty]), /without \.tf files, cdk\.tf\.json or cdktf\.json/);
    });

    test("terraform not installed", () => {
      const dir = terraformDir("tf-no-terraform", "table-unencrypted");
      expectOneLineError(
        runCli(["validate", dir], { env: { PATH: "/nonexistent" } }),
        /terraform is not installed \(not found on PATH\)/,
      );
    });

    test("--terraform-bin names the binary that is missing, and how to give another", () => {
      const dir = terraformDir("tf-no-tofu", "table-unencrypted");
      const run = runCli(["validate", dir, "--terraform-bin", "tofu"], { env: { PATH: "/nonexistent" } });
      expectOneLineError(
        run,
        /tofu is not installed \(not found on PATH\); it is needed for tofu init in .*--terraform-bin/,
      );
      expect(run.stderr).not.toMatch(/terraform is not installed/);
      // a plan JSON needs no terraform binary at all
      const json = runCli(["validate", unencrypted, "--terraform-bin", "tofu"], { env: { PATH: "/nonexistent" } });
      expect(json.stderr).toBe("");
      expect(json.status).toBe(1);
    });

    test("a saved plan read where terraform init did not run names the missing provider and the fix", () => {
      const made = terraformDir("tf-saved-elsewhere", "table-unencrypted");
      for (const args of [
        ["init", "-input=false"],
        ["plan", "-input=false", "-refresh=false", "-out=tfplan"],
      ])
        expect(spawnSync("terraform", args, { cwd: made, encoding: "utf8" }).status).toBe(0);
      const bare = join(work, "saved-plan-only");
      mkdirSync(bare);
      cpSync(join(made, "tfplan"), join(bare, "tfplan"));
      // a user's terraform: providers from a mirror through init, not the tests' in-place dev_overrides
      const userConfig = { TF_CLI_CONFIG_FILE: join(ROOT, "scripts", "terraform.rc") };
      expectOneLineError(
        runCli(["validate", "tfplan"], { cwd: bare, env: userConfig }),
        /tfplan: terraform show -json failed: .*unavailable provider "registry\.terraform\.io\/hashicorp\/aws".*; run "terraform init" in .*saved-plan-only/,
      );
    });

    test("a TypeScript error in a CDKTF app is shown with its file, line and message", () => {
      const app = join(work, "cdktf-type-error");
      mkdirSync(app);
      const tsNode = join(ROOT, "node_modules", "ts-node", "dist", "bin.js");
      writeFileSync(join(app, "cdktf.json"), JSON.stringify({ language: "typescript", app: `node ${tsNode} main.ts` }));
      writeFileSync(join(app, "main.ts"), `const tableName: string = 42;\nconsole.log(tableName);\n`);
      expectOneLineError(
        runCli(["validate", app]),
        /Unable to compile TypeScript: main\.ts\(1,7\): error TS2322: Type 'number' is not assignable to type 'string'\./,
      );
    });

    test("a plan that fails shows terraform's own error and where", () => {
      const dir = join(work, "tf-broken");
      mkdirSync(dir);
      cpSync(join(FIXTURES, "offline-provider.tf"), join(dir, "offline-provider.tf"));
      writeFileSync(
        join(dir, "main.tf"),
        `resource "aws_dynamodb_table" "t" {\n  name = "t"\n  no_such_argument = true\n}\n`,
      );
      expectOneLineError(
        runCli(["validate", dir]),
        /terraform (init|plan) in .* failed: Error: Unsupported argument \(on main\.tf line 3\): An argument named "no_such_argument" is not expected here\./,
      );
    });

    test("an init that fails offline shows terraform's reason, not only its summary", () => {
      const dir = join(work, "tf-no-mirror");
      mkdirSync(dir);
      cpSync(join(FIXTURES, "table-unencrypted", "main.tf"), join(dir, "main.tf"));
      // a registry host that never resolves (.invalid), so init fails the same way with or without a network
      writeFileSync(
        join(dir, "providers.tf"),
        `terraform {\n  required_providers {\n    aws = { source = "registry.invalid/hashicorp/aws" }\n  }\n}\n`,
      );
      const cliConfig = join(work, "no-mirror.tfrc");
      writeFileSync(cliConfig, "");
      const run = runCli(["validate", dir], { env: { TF_CLI_CONFIG_FILE: cliConfig } });
      expectOneLineError(
        run,
        /terraform init in .* failed: Error: Failed to query available provider packages: Could not retrieve .*aws: /,
      );
      expect(run.stderr).toMatch(/could not connect to registry\.invalid/);
    });
  });
});

describe("formats", () => {
  test("each format on stdout", () => {
    expect(JSON.parse(runCli(["validate", unencrypted, "-f", "json"]).stdout).summary.violations).toBe(1);
    expect(JSON.parse(runCli(["validate", unencrypted, "-f", "sarif"]).stdout)).toBeValidSarifLog();
    const junit = runCli(["validate", unencrypted, "-f", "junit"]).stdout;
    expect(XMLValidator.validate(junit)).toBe(true);
    expect(junit).toMatch(
      /<testcase classname="DDB-ENC-001" name="aws_dynamodb_table\.invalid_aws_owned_key"><failure /,
    );
    expect(runCli(["validate", unencrypted, "-f", "markdown"]).stdout).toMatch(
      /^### ddb-guardrails: ❌ failed: 1 violation in \d+ resources?\n/,
    );
    expect(runCli(["validate", fixturePlan("table-cmk-same-plan"), "-f", "markdown"]).stdout).toMatch(
      /^### ddb-guardrails: ✅ no findings/,
    );
  });

  test("several --format/--output pairs in one run; stdout carries only the one without a file", () => {
    const dir = join(work, "reports");
    const run = runCli([
      "validate",
      unencrypted,
      "-f",
      "sarif",
      "-o",
      join(dir, "r.sarif"),
      "-f",
      "markdown",
      "-o",
      join(dir, "r.md"),
      "-f",
      "json",
    ]);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).summary.violations).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, "r.sarif"), "utf8"))).toBeValidSarifLog();
    expect(readFileSync(join(dir, "r.md"), "utf8")).toMatch(/\| encryption \| 0 \| 1 \| 0 \| 0 \| 0 \|/);
  });

  test("--output before --format pairs with it", () => {
    const file = join(work, "first.json");
    const run = runCli(["validate", unencrypted, "--output", file, "--format", "json"]);
    expect(run.stdout).toBe("");
    expect(JSON.parse(readFileSync(file, "utf8")).summary.violations).toBe(1);
  });

  test("two reports for stdout, or two for the same file, are refused before anything runs", () => {
    expectOneLineError(
      runCli(["validate", unencrypted, "-f", "json", "-f", "sarif"]),
      /only one report can go to stdout/,
    );
    const file = join(work, "same.out");
    expectOneLineError(
      runCli(["validate", unencrypted, "-f", "json", "-o", file, "-f", "sarif", "-o", file]),
      /same --output file/,
    );
  });

  test("the same input gives byte-identical reports", () => {
    for (const format of ["json", "sarif", "junit", "markdown"]) {
      const a = runCli(["validate", fixturePlan("table-aws-managed-key"), "-f", format]).stdout;
      expect(runCli(["validate", fixturePlan("table-aws-managed-key"), "-f", format]).stdout).toBe(a);
    }
  });
});

describe("policy controls", () => {
  test("--fail-on: exit 1 only for unwaived findings at or above the threshold", () => {
    // the finding is high
    expect(runCli(["validate", unencrypted, "--fail-on", "high"]).status).toBe(1);
    const critical = runCli(["validate", unencrypted, "--fail-on", "critical", "-f", "json"]);
    expect(critical.status).toBe(0);
    expect(JSON.parse(critical.stdout).summary).toMatchObject({ violations: 1, passed: true });
  });

  test("--rules and --skip-rules by id or guardrail; unknown names are errors", () => {
    expect(runCli(["validate", unencrypted, "--rules", "DDB-ENC-001"]).status).toBe(1);
    const skipped = runCli(["validate", unencrypted, "--skip-rules", "encryption", "-f", "junit"]);
    expect(skipped.status).toBe(0);
    // a rule that did not run is not reported as passed: it is a skipped testcase
    expect(skipped.stdout).not.toMatch(/no other resource breaks DDB-ENC-001/);
    expect(skipped.stdout).toMatch(
      /<testcase classname="DDB-ENC-001" name="DDB-ENC-001 was not evaluated"><skipped message="left out by --rules\/--skip-rules"\/>/,
    );
    expect(runCli(["validate", unencrypted, "--rules", "fgac,recovery"]).status).toBe(0);
    expectOneLineError(
      runCli(["validate", unencrypted, "--rules", "DDB-NOPE"]),
      /--rules: "DDB-NOPE" is neither a rule id nor a guardrail/,
    );
  });
});

describe("usability", () => {
  test("--help of every command has examples and the exit codes", () => {
    for (const args of [["--help"], ["validate", "--help"], ["deploy", "--help"]]) {
      const run = runCli(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Exit codes:\n\s+0 /);
    }
    expect(runCli(["validate", "--help"]).stdout).toMatch(/Examples:\n\s+ddb-guardrails validate plan\.json/);
    expect(runCli(["deploy", "--help"]).stdout).toMatch(/Examples:\n\s+ddb-guardrails deploy --stack/);
  });

  test("usage errors are one line and exit 2", () => {
    expectOneLineError(runCli(["validate"]), /missing required argument 'inputs'/);
    expectOneLineError(runCli(["validate", unencrypted, "--fail-on", "severe"]), /--fail-on/);
    expectOneLineError(runCli(["validate", unencrypted, "--format", "yaml"]), /--format yaml: unknown format/);
  });

  test("--verbose puts timings on stderr and leaves stdout alone; --quiet keeps stderr empty", () => {
    const plain = runCli(["validate", unencrypted, "-f", "json"]);
    const verbose = runCli(["validate", unencrypted, "-f", "json", "--verbose"]);
    expect(verbose.stdout).toBe(plain.stdout);
    expect(verbose.stderr).toMatch(/^ddb-guardrails: evaluate: \d+ ms$/m);
    expect(runCli(["validate", unencrypted, "--quiet"]).stderr).toBe("");
  });

  test("text output puts each finding's fix under it; --compact leaves it out", () => {
    const full = runCli(["validate", unencrypted]);
    expect(full.stdout).toMatch(/DDB-ENC-001 .*\n {9}fix: Add server_side_encryption/);
    const compact = runCli(["validate", unencrypted, "--compact"]);
    expect(compact.stdout).not.toMatch(/fix:/);
    expect(compact.stdout).toMatch(/DDB-ENC-001/);
  });

  test("a PASS under --fail-on says that findings lie below the threshold", () => {
    const run = runCli(["validate", unencrypted, "--fail-on", "critical"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^PASS \(no finding at or above critical; 1 below\) in 8 resources /m);
    const md = runCli(["validate", unencrypted, "--fail-on", "critical", "-f", "markdown"]);
    expect(md.stdout).toMatch(/^### ddb-guardrails: ✅ passed \(no finding at or above critical; 1 below\)/m);
  });

  test("a partial rule set is never a plain PASS: --rules/--skip-rules on a plan with a critical finding", () => {
    const critical = fixturePlan("fgac-admin-actions"); // DDB-FGAC-003 (critical) among others
    const only = runCli(["validate", critical, "--rules", "DDB-ENC-004"]);
    expect(only.status).toBe(0);
    expect(only.stdout).toMatch(
      /^PASS \(2 of \d+ rules; only DDB-ENC-004, DDB-ENC-004-UNPROVABLE ran\) 0 violations in 10 resources /m,
    );
    const skipped = runCli(["validate", critical, "--skip-rules", "encryption,fgac,recovery,audit"]);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toMatch(/^PASS \(\d+ of \d+ rules; only endpoint ran\) 0 violations /m);
    const json = JSON.parse(runCli(["validate", critical, "--skip-rules", "fgac", "-f", "json"]).stdout);
    expect(json.skippedRules.length).toBeGreaterThan(0);
    expect(json.skippedRules.every((id: string) => id.startsWith("DDB-FGAC-"))).toBe(true);
    expect(json.rules.some((r: { id: string }) => r.id.startsWith("DDB-FGAC-"))).toBe(false);
    const all = JSON.parse(runCli(["validate", critical, "-f", "json"]).stdout);
    expect(all.skippedRules).toBeUndefined();
    expect(json.rules.length + json.skippedRules.length).toBe(all.rules.length);
  });

  test("-o without -f says on stderr where the (text) report went", () => {
    const file = join(work, "only.txt");
    const run = runCli(["validate", unencrypted, "-o", file]);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`ddb-guardrails: note: text report written to ${file} (no --format given for it)\n`);
    expect(readFileSync(file, "utf8")).toMatch(/^FAIL 1 violation in 8 resources/m);
    expect(runCli(["validate", unencrypted, "-o", file, "--quiet"]).stderr).toBe("");
    expect(runCli(["validate", unencrypted, "-f", "json", "-o", file]).stderr).toBe(""); // asked for: nothing to add
  });

  test("--debug adds the stack trace to an error", () => {
    const run = runCli(["validate", join(work, "missing.json"), "--debug"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/\n\s+at /);
  });

  // `script` gives the CLI a terminal, as a user at a shell has.
  const onTerminal = (env: NodeJS.ProcessEnv) =>
    spawnSync(
      "script",
      [
        "-qec",
        `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} validate ${JSON.stringify(unencrypted)}`,
        "/dev/null",
      ],
      {
        encoding: "utf8",
        env: { ...process.env, ...env },
      },
    );

  test("colours only on a terminal, and never with NO_COLOR", () => {
    expect(runCli(["validate", unencrypted]).stdout).not.toMatch(/\u001b\[/);
    const tty = onTerminal({});
    expect(tty.status).toBe(1);
    expect(tty.stdout).toMatch(/\u001b\[31mHIGH/);
    expect(onTerminal({ NO_COLOR: "1" }).stdout).not.toMatch(/\u001b\[/);
  });
});
