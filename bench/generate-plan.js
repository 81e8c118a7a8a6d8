#!/usr/bin/env node
// Builds a plan of N resources from the real seed plan (bench/seed/plan.json: one service unit,
// `module.unit_00001`, planned by terraform) by replicating the unit as unit_00002, unit_00003...
// Every place terraform mentions the unit is replicated consistently: resource_changes,
// planned_values, prior_state, relevant_attributes and configuration.module_calls; addresses,
// names and references are renamed together, exactly as terraform would write N module blocks.
//   node bench/generate-plan.js RESOURCES [SEED] > plan.json     (RESOURCES: a multiple of the unit size)
//   node bench/generate-plan.js 10000 bench/seed/mixed/plan.json   the mixed stack (bench/seed/mixed)

const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const UNIT = "unit_00001";
const UNIT_NAME = "unit-00001";

// Resources of the unit alone: a seed may also hold resources of the root module (the mixed stack's
// audit trail), which are not replicated.
function unitSize(seed) {
  return seed.resource_changes.filter(
    (c) =>
      c.mode === "managed" && belongsToUnit(c) && !(c.change.actions.length === 1 && c.change.actions[0] === "delete"),
  ).length;
}

function unitLabel(i) {
  return String(i).padStart(5, "0");
}

/** Text of the seed element for unit i: the module name and the names derived from it renamed. */
function replicate(text, i) {
  const n = unitLabel(i);
  return text.replaceAll(UNIT, `unit_${n}`).replaceAll(UNIT_NAME, `unit-${n}`);
}

function belongsToUnit(element) {
  const where = element && typeof element === "object" ? (element.address ?? element.resource) : undefined;
  return typeof where === "string" && where.startsWith(`module.${UNIT}`);
}

/** Writes the plan as JSON text, replicating each unit element `units` times in place. */
function emit(value, units, out) {
  if (Array.isArray(value)) {
    out.push("[");
    let first = true;
    for (const element of value) {
      if (belongsToUnit(element)) {
        const text = JSON.stringify(element);
        for (let i = 1; i <= units; i++) {
          out.push(first ? "" : ",", replicate(text, i));
          first = false;
        }
      } else {
        out.push(first ? "" : ",");
        emit(element, units, out);
        first = false;
      }
    }
    out.push("]");
  } else if (value && typeof value === "object") {
    out.push("{");
    let first = true;
    for (const [key, child] of Object.entries(value)) {
      if (key === UNIT) {
        const text = JSON.stringify(child);
        for (let i = 1; i <= units; i++) {
          out.push(first ? "" : ",", JSON.stringify(`unit_${unitLabel(i)}`), ":", replicate(text, i));
          first = false;
        }
      } else {
        out.push(first ? "" : ",", JSON.stringify(key), ":");
        emit(child, units, out);
        first = false;
      }
    }
    out.push("}");
  } else {
    if (typeof value === "string" && (value.includes(UNIT) || value.includes(UNIT_NAME))) {
      throw new Error(`seed mentions ${UNIT} outside a unit element: ${value}`);
    }
    out.push(JSON.stringify(value));
  }
}

function generate(resources, seedPath = join(__dirname, "seed", "plan.json")) {
  const seed = JSON.parse(readFileSync(seedPath, "utf8"));
  const size = unitSize(seed);
  if (!Number.isInteger(resources) || resources <= 0 || resources % size !== 0) {
    throw new Error(`resources must be a positive multiple of the unit size ${size}, got ${resources}`);
  }
  const out = [];
  emit(seed, resources / size, out);
  return out.join("");
}

module.exports = { generate, unitSize, replicate };

if (require.main === module) {
  const [resources, seedPath] = process.argv.slice(2);
  try {
    process.stdout.write(generate(Number(resources), seedPath));
  } catch (err) {
    process.stderr.write(`generate-plan: ${err.message}\n`);
    process.exitCode = 2;
  }
}
