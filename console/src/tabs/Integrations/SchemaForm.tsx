// A form generated from a marketplace entry's JSON Schema: one labelled control per property, named by
// the property. writeOnly properties (tokens, passwords, hook URLs) are password fields, empty when
// editing: the server keeps them sealed and never answers them.
import type { JsonSchema } from "../../hooks/useMarketplaceIntegrations";
import { FieldError } from "../../components/FieldError";

export type Config = Record<string, unknown>;

interface Props {
  schema: JsonSchema;
  value: Config;
  onChange: (value: Config) => void;
  /** The path of this object in the callable's input, e.g. `config` or `config.auth`. */
  path: string;
  /** The field an error names and its message, shown under that field. */
  error?: { path: string; message: string } | undefined;
  editing?: boolean;
}

function setOrDrop(value: Config, name: string, next: unknown): Config {
  const copy = { ...value };
  const empty = next === "" || next === undefined || (Array.isArray(next) && next.length === 0);
  if (empty) delete copy[name];
  else copy[name] = next;
  return copy;
}

function headersText(value: unknown): string {
  if (!value || typeof value !== "object") return "";
  return Object.entries(value as Record<string, string>)
    .map(([name, text]) => `${name}: ${text}`)
    .join("\n");
}

function parseHeaders(text: string): Record<string, string> | undefined {
  const entries = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(":");
      return colon < 0 ? [line, ""] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

export function SchemaForm({ schema, value, onChange, path, error, editing = false }: Props) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const fieldPath = `${path}.${name}`;
        const errorId = `error-${fieldPath.replace(/\./g, "-")}`;
        const message =
          error &&
          !property.properties &&
          (error.path === fieldPath || [`${fieldPath}.`, `${fieldPath}[`].some((prefix) => error.path.startsWith(prefix)))
            ? error.message
            : undefined;
        const current = value[name];
        const hint = property.description && <span className="hint">{property.description}</span>;
        const label = `${name}${required.has(name) ? " (required)" : ""}`;
        const common = {
          "aria-invalid": Boolean(message),
          "aria-describedby": errorId,
        };

        if (property.type === "object" && property.properties) {
          return (
            <fieldset key={name}>
              <legend>{name}</legend>
              {hint}
              <SchemaForm
                schema={property}
                value={(current as Config | undefined) ?? {}}
                onChange={(next) => onChange(setOrDrop(value, name, Object.keys(next).length ? next : undefined))}
                path={fieldPath}
                error={error}
                editing={editing}
              />
            </fieldset>
          );
        }

        let control;
        if (property.enum) {
          control = (
            <select
              {...common}
              value={current === undefined ? "" : String(current)}
              onChange={(e) => onChange(setOrDrop(value, name, e.target.value))}
            >
              <option value="">{property.default !== undefined ? `default (${String(property.default)})` : "—"}</option>
              {property.enum.map((option) => (
                <option key={String(option)} value={String(option)}>
                  {String(option)}
                </option>
              ))}
            </select>
          );
        } else if (property.type === "boolean") {
          control = (
            <input
              {...common}
              type="checkbox"
              checked={current === true}
              onChange={(e) => onChange(setOrDrop(value, name, e.target.checked))}
            />
          );
        } else if (property.type === "integer" || property.type === "number") {
          control = (
            <input
              {...common}
              type="number"
              min={property.minimum}
              max={property.maximum}
              value={current === undefined ? "" : String(current)}
              onChange={(e) => onChange(setOrDrop(value, name, e.target.value === "" ? undefined : Number(e.target.value)))}
            />
          );
        } else if (property.type === "array") {
          control = (
            <input
              {...common}
              value={Array.isArray(current) ? current.join(", ") : ""}
              placeholder={Array.isArray(property.examples?.[0]) ? (property.examples[0] as string[]).join(", ") : "comma-separated"}
              onChange={(e) =>
                onChange(
                  setOrDrop(
                    value,
                    name,
                    e.target.value
                      .split(",")
                      .map((item) => item.trim())
                      .filter(Boolean),
                  ),
                )
              }
            />
          );
        } else if (property.type === "object") {
          control = (
            <textarea
              {...common}
              rows={3}
              placeholder="Header-Name: value (one a line)"
              value={headersText(current)}
              onChange={(e) => onChange(setOrDrop(value, name, parseHeaders(e.target.value)))}
            />
          );
        } else {
          const secret = property.writeOnly === true;
          control = (
            <input
              {...common}
              type={secret ? "password" : "text"}
              autoComplete={secret ? "new-password" : "off"}
              value={typeof current === "string" ? current : ""}
              placeholder={
                secret && editing
                  ? "unchanged (stored encrypted)"
                  : typeof property.examples?.[0] === "string"
                    ? property.examples[0]
                    : undefined
              }
              onChange={(e) => onChange(setOrDrop(value, name, e.target.value))}
            />
          );
        }
        return (
          <div key={name} className="field">
            <label className={property.type === "boolean" ? "check" : undefined}>
              {property.type === "boolean" ? control : null}
              {label}
              {property.type === "boolean" ? null : control}
            </label>
            {hint}
            <FieldError id={errorId} message={message} />
          </div>
        );
      })}
    </>
  );
}

/** The writeOnly properties' paths (`hookUrl`, `auth.token`): the server answers them masked. */
export function secretPaths(schema: JsonSchema, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (property.writeOnly) return [path];
    if (property.properties) return secretPaths(property, path);
    return [];
  });
}
