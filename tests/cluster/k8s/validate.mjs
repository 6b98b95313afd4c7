// validate.mjs: checks Kubernetes manifests offline against the API schema of a Kubernetes
// release: node validate.mjs FILE.yaml... (run from a directory whose node_modules holds the
// packages of package-lock.json here). Every document is parsed with `yaml` (a duplicate key is
// an error) and checked by the validator that kubernetes-models compiled from the release's
// OpenAPI schema (types, enums, required fields, formats). The OpenAPI schema allows unknown
// fields (the API server drops them), so a misspelt field would pass; like `kubectl apply`'s
// strict field validation, this also refuses a field the schema does not declare: while the
// compiled validator runs, every object it is given is wrapped in a Proxy that records which
// properties the validator looked up, and a key of an object with declared properties that
// was never looked up is unknown. Prints one line per document; exits 1 when any is invalid.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";

const require = createRequire(join(process.cwd(), "package.json"));
const models = dirname(require.resolve("kubernetes-models/package.json"));

// IoK8sApi<Group><Version><Kind>: the schema's name for apiVersion and kind ("v1" is core;
// a group's first label names it: batch, apps, networking.k8s.io -> Networking)
function schemaFile(apiVersion, kind) {
  const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const parts = String(apiVersion).split("/");
  const group = parts.length === 1 ? "core" : parts[0].split(".")[0];
  const version = parts[parts.length - 1];
  return join(models, "_schemas", `IoK8sApi${cap(group)}${cap(version)}${kind}.js`);
}

// wrap(o, seen): o behind a Proxy that notes in seen (per object) the keys looked up and
// whether the keys were listed (a map such as labels: every key is allowed)
function wrap(o, seen) {
  if (o === null || typeof o !== "object") return o;
  let s = seen.get(o);
  if (!s) seen.set(o, (s = { read: new Set(), listed: false }));
  return new Proxy(o, {
    get(t, k, r) {
      if (typeof k === "string") s.read.add(k);
      return wrap(Reflect.get(t, k, r), seen);
    },
    ownKeys(t) { s.listed = true; return Reflect.ownKeys(t); },
  });
}

// unknownFields: paths of keys the validator never looked up, in objects it visited that
// have declared properties (it looked up at least one key) and are not maps
function unknownFields(o, path, seen, out) {
  if (o === null || typeof o !== "object") return out;
  if (Array.isArray(o)) { o.forEach((v, i) => unknownFields(v, `${path}[${i}]`, seen, out)); return out; }
  const s = seen.get(o);
  for (const k of Object.keys(o)) {
    if (s && !s.listed && s.read.size > 0 && !s.read.has(k)) out.push(`${path}.${k}`);
    else unknownFields(o[k], `${path}.${k}`, seen, out);
  }
  return out;
}

// explain: the compiled validators carry no messages; say what the keyword wanted
function explain(e) {
  const p = e.params ?? {};
  switch (e.keyword) {
    case "enum": return `must be one of ${p.allowedValues.join(", ")}`;
    case "type": return `must be ${p.type}`;
    case "required": return `lacks the required field ${p.missingProperty}`;
    case "format": return `must have the format ${p.format}`;
    default: return `fails ${e.keyword} ${JSON.stringify(p)}`;
  }
}

let bad = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length === 0) { console.log(`${file}: no YAML document`); bad++; continue; }
  for (const [i, doc] of docs.entries()) {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length) { console.log(`${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`); bad++; continue; }
    const obj = doc.toJS();
    if (obj === null || typeof obj !== "object" || !obj.apiVersion || !obj.kind) {
      console.log(`${where}: not a Kubernetes object (no apiVersion and kind)`); bad++; continue;
    }
    const what = `${where} (${obj.apiVersion} ${obj.kind} ${obj.metadata?.name ?? "(no name)"})`;
    const f = schemaFile(obj.apiVersion, obj.kind);
    if (!existsSync(f)) { console.log(`${what}: no schema for this apiVersion and kind`); bad++; continue; }
    const { validate } = await import(pathToFileURL(f).href);
    const seen = new WeakMap();
    const problems = [];
    if (!validate(wrap(obj, seen)))
      for (const e of validate.errors) problems.push(`${e.instancePath || "/"}: ${explain(e)}`);
    // the validators report every error (not just the first), so every field was looked at
    for (const p of unknownFields(obj, "", seen, [])) problems.push(`unknown field "${p.slice(1)}"`);
    if (problems.length) { console.log(`${what}: invalid: ${problems.join("; ")}`); bad++; }
    else console.log(`${what}: valid`);
  }
}
process.exit(bad ? 1 : 0);
