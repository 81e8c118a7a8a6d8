/** The CLI's exit codes, written once: docs/reliability.md#exit-codes and --help read the same meanings. */
export const EXIT = { PASS: 0, VIOLATIONS: 1, ERROR: 2 } as const;

export const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.PASS}  no unwaived finding at or above --fail-on
  ${EXIT.VIOLATIONS}  unwaived findings at or above --fail-on (deploy: nothing was applied)
  ${EXIT.ERROR}  the tool could not do its job: bad input, invalid config or waiver, terraform or synth failed,
     tampered policy bundle or saved plan, no confirmation (deploy)`;
