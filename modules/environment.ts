import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import type { Construct } from "constructs";

/** Where the resources live. Give both values to plan without calling AWS (offline or in CI). */
export interface AwsEnvironment {
  /**
   * The 12-digit account id, used in key policies and ARNs.
   * @default looked up with the `aws_caller_identity` data source (an STS call at plan time)
   */
  readonly accountId?: string;
  /**
   * The region of the provider in scope.
   * @default read from the provider configuration with the `aws_region` data source (no AWS call)
   */
  readonly region?: string;
  /**
   * The AWS partition.
   * @default "aws"
   */
  readonly partition?: string;
}

export interface ResolvedEnvironment {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
}

/** Fills in what the caller left out from data sources created under `scope`. */
export function resolveEnvironment(scope: Construct, env: AwsEnvironment = {}): ResolvedEnvironment {
  return {
    accountId: env.accountId ?? new DataAwsCallerIdentity(scope, "caller").accountId,
    region: env.region ?? new DataAwsRegion(scope, "region").name,
    partition: env.partition ?? "aws",
  };
}
