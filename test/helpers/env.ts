// The same offline environment the scripts use (scripts/env.sh), for tests that run terraform or the CLI.
import { join } from "node:path";

const root = join(__dirname, "..", "..");
process.env.TF_CLI_CONFIG_FILE = join(root, "scripts", "terraform-tests.rc");
process.env.CHECKPOINT_DISABLE = "1";
process.env.TF_IN_AUTOMATION = "1";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.PATH = `${join(root, ".tools", "bin")}:${process.env.PATH}`;
// terraform, the AWS provider and tofu collect less often, as under npm test (scripts/test/test.sh).
process.env.GOGC ??= "400";
delete process.env.NO_COLOR;
