// toBeValidSarifLog(): validates against the official SARIF 2.1.0 JSON schema shipped, offline, in
// @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json, the OASIS 2.1.0 schema).
import { toBeValidSarifLog } from "@microsoft/jest-sarif";

expect.extend({ toBeValidSarifLog });

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeValidSarifLog(): R;
    }
  }
}
