# METADATA
# title: Nothing runs outside the judged plan (no command provisioners, no external programs)
# description: >-
#   The gate judges the changes a plan shows. A local-exec provisioner runs a command on the machine
#   that applies, with its credentials; remote-exec runs one on a host; an external data source runs
#   a program while terraform plans. None of them is a change of the plan, so what they do is never
#   judged: a command can create an unencrypted table or open a policy through the AWS CLI. The rule
#   reads the plan's configuration: every local-exec and remote-exec provisioner of any resource
#   (terraform_data and null_resource included, destroy-time ones too) and every data "external",
#   in the root module and in modules up to four levels deep; a module call deeper than that gets
#   DDB-AUD-008-UNPROVABLE. A terraform_data or null_resource without provisioners runs nothing (its
#   triggers only record values), and file provisioners copy content without running it. An external
#   data source has already run when the plan exists: the finding stops the apply, not the program.
#   ddb-guardrails deploy refuses a plan with a finding of this rule that is not waived, whatever
#   --fail-on, --rules, --skip-rules or a severity override say.
# custom:
#   id: DDB-AUD-008
#   guardrail: audit
#   severity: critical
#   remediation: >-
#     Do the work in a reviewed pipeline step outside terraform, or with resources of a provider the
#     gate judges; where a command is reviewed and needed, waive this finding for its address with the
#     reason.
#   concept: Logging and auditing
#   example: |
#     # instead of provisioner "local-exec" { command = "aws dynamodb update-table ..." }
#     resource "aws_dynamodb_table" "sessions" {
#       # ... the setting the command made, where the gate can judge it
#     }
package ddb_guardrails.rules.audit.commands

import rego.v1

import data.ddb_guardrails.lib.findings
import data.ddb_guardrails.lib.plan

# Provisioners that run a command: local-exec where terraform applies, remote-exec on a host.
command_provisioners := {"local-exec", "remote-exec"}

violation contains finding if {
	some key, config in plan.configs
	some provisioner in object.get(config, "provisioners", [])
	provisioner.type in command_provisioners
	finding := findings.violation(
		rego.metadata.chain(),
		key,
		concat("", ["a ", provisioner.type, " provisioner runs a command that the plan does not show"]),
		[evidence(provisioner)],
	)
}

violation contains finding if {
	some key, config in plan.configs
	config.mode == "data"
	config.type == "external"
	finding := findings.violation(
		rego.metadata.chain(),
		key,
		"an external data source runs a program while terraform plans",
		[concat("", ["program = ", expression_text(object.get(config, ["expressions", "program"], null))])],
	)
}

# Calls of modules nested deeper than the model reads: their blocks are not checked.
violation contains finding if {
	some path, call in plan.module_calls
	not plan.modules[path]
	finding := findings.unprovable(
		rego.metadata.chain(),
		path,
		"the module is nested deeper than four levels, so its provisioners and data sources are not checked",
		[concat("", ["source = ", object.get(call, "source", "")])],
	)
}

evidence(provisioner) := concat("", ["provisioner \"", provisioner.type, "\": ", name, " = ", expression_text(provisioner.expressions[name])]) if {
	names := [n | some n in ["command", "inline", "script", "scripts"]; provisioner.expressions[n]]
	name := names[0]
} else := concat("", ["provisioner \"", provisioner.type, "\""])

expression_text(expression) := json.marshal(expression.constant_value) if {
	some "constant_value", _ in expression
} else := concat("", ["known only at apply, from ", concat(", ", expression.references)]) if {
	count(expression.references) > 0
} else := "known only at apply"
