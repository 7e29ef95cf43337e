import { type FormEvent, useMemo, useState } from "react";

import { errorField, errorMessage } from "../../api";
import { Dialog, FormActions } from "../../components/Dialog";
import { FieldError, fieldErrorFor } from "../../components/FieldError";
import { Loading } from "../../components/Loading";
import { SecretOnce } from "../../components/SecretOnce";
import {
  type CreatedIntegration,
  INTEGRATION_TYPES,
  type Integration,
  type IntegrationType,
  useCreateIntegration,
  useUpdateIntegration,
} from "../../hooks/useIntegrations";
import { type MarketplaceItem, useMarketplaceIntegrations } from "../../hooks/useMarketplaceIntegrations";
import { useTeam } from "../../team";
import { type Config, SchemaForm, secretPaths } from "./SchemaForm";

const TYPE_NAMES: Record<IntegrationType, string> = {
  zapier: "Zapier",
  slack: "Slack",
  rest: "REST API",
  graphql: "GraphQL",
  webhook: "Webhook",
};

/** The schema a type's form is generated from when no marketplace entry is chosen: the plain entry. */
function entryFor(items: MarketplaceItem[], type: IntegrationType, marketplaceId: string | null | undefined) {
  return items.find((item) => item.id === marketplaceId) ?? items.find((item) => item.type === type);
}

/** Where an error names a field: a top-level field of the form, or a path in the config. */
function placedError(error: unknown, topFields: readonly string[]) {
  const path = errorField(error);
  const field = fieldErrorFor(topFields, path);
  const message = errorMessage(error);
  return {
    top: field && field !== "config" ? { field, message } : undefined,
    config: path?.startsWith("config.") ? { path, message } : undefined,
    unplaced: !field ? message : path === "config" ? message : undefined,
  };
}

/** An error the form has no field for (or a field without its own message place), under the form. */
function FormError({ errors }: { errors: ReturnType<typeof placedError> | undefined }) {
  const text = errors?.unplaced ?? (errors?.top && errors.top.field !== "name" ? `${errors.top.field}: ${errors.top.message}` : undefined);
  if (!text) return null;
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}

const CREATE_FIELDS = ["name", "type", "marketplaceId", "description", "config"] as const;

export function CreateIntegrationDialog({ onClose }: { onClose: () => void }) {
  const { teamId } = useTeam();
  const marketplace = useMarketplaceIntegrations();
  const create = useCreateIntegration(teamId);
  const [type, setType] = useState<IntegrationType>("webhook");
  const [marketplaceId, setMarketplaceId] = useState("");
  const [name, setName] = useState("");
  const [config, setConfig] = useState<Config>({});
  const [created, setCreated] = useState<CreatedIntegration | null>(null);
  const items = marketplace.data?.items ?? [];
  const entry = entryFor(items, type, marketplaceId);
  const errors = create.isError ? placedError(create.error, CREATE_FIELDS) : undefined;

  function chooseEntry(id: string) {
    setMarketplaceId(id);
    const chosen = items.find((item) => item.id === id);
    if (chosen) {
      setType(chosen.type);
      if (!name) setName(chosen.name);
    }
    setConfig({});
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { type, name, config, ...(marketplaceId ? { marketplaceId } : {}) },
      { onSuccess: (answer) => (answer.signingSecret ? setCreated(answer) : onClose()) },
    );
  }

  if (created?.signingSecret) return <SigningSecret created={created} onClose={onClose} />;

  return (
    <Dialog title="Create integration" onClose={onClose}>
      {marketplace.isPending && <Loading label="Loading the marketplace" />}
      {marketplace.isError && (
        <p role="alert" className="error">
          {errorMessage(marketplace.error)}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <div className="row">
          <label>
            Type
            <select
              value={type}
              onChange={(e) => {
                setType(e.target.value as IntegrationType);
                setMarketplaceId("");
                setConfig({});
              }}
            >
              {INTEGRATION_TYPES.map((option) => (
                <option key={option} value={option}>
                  {TYPE_NAMES[option]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Marketplace entry
            <select value={marketplaceId} onChange={(e) => chooseEntry(e.target.value)}>
              <option value="">none (plain {TYPE_NAMES[type]})</option>
              {items.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name} ({TYPE_NAMES[item.type]}, {item.category})
                </option>
              ))}
            </select>
          </label>
        </div>
        {entry && <p className="hint">{entry.description}</p>}
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} aria-describedby="integration-name-error" />
        </label>
        <FieldError id="integration-name-error" message={errors?.top?.field === "name" ? errors.top.message : undefined} />
        {entry && (
          <fieldset>
            <legend>Configuration</legend>
            <SchemaForm schema={entry.configSchema} value={config} onChange={setConfig} path="config" error={errors?.config} />
          </fieldset>
        )}
        <FormError errors={errors} />
        <FormActions label="Create" pendingLabel="Creating…" pending={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** A webhook integration's signing secret, answered once by integrations_create. */
function SigningSecret({ created, onClose }: { created: CreatedIntegration; onClose: () => void }) {
  return (
    <Dialog title="Signing secret" onClose={onClose}>
      <p>
        Deliveries of <strong>{created.name}</strong> are signed with this secret (Standard Webhooks). Keep it
        now: it is not shown again (rotate it in the Webhooks tab to get a new one).
      </p>
      <SecretOnce label="Signing secret" value={created.signingSecret ?? ""} />
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

/** The answered config without the masked secrets: the form starts from what may be shown. */
function withoutSecrets(config: Config, paths: string[]): Config {
  const copy: Config = structuredClone(config);
  for (const path of paths) {
    const parts = path.split(".");
    let holder: Config | undefined = copy;
    for (const part of parts.slice(0, -1)) holder = holder?.[part] as Config | undefined;
    if (holder) delete holder[parts[parts.length - 1]!];
  }
  return copy;
}

/** Top-level config fields that changed (null for a removed one): integrations_update merges them. */
function configChanges(before: Config, after: Config): Config {
  const changes: Config = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) changes[name] = after[name] ?? null;
  }
  return changes;
}

const EDIT_FIELDS = ["name", "description", "enabled", "config"] as const;

export function EditIntegrationDialog({ integration, onClose }: { integration: Integration; onClose: () => void }) {
  const { teamId } = useTeam();
  const marketplace = useMarketplaceIntegrations();
  const update = useUpdateIntegration(teamId, integration.id);
  const entry = entryFor(marketplace.data?.items ?? [], integration.type, integration.marketplaceId);
  const initial = useMemo(
    () => (entry ? withoutSecrets(integration.config, secretPaths(entry.configSchema)) : {}),
    [entry, integration.config],
  );
  const [name, setName] = useState(integration.name);
  const [description, setDescription] = useState(integration.description ?? "");
  const [enabled, setEnabled] = useState(integration.enabled);
  const [config, setConfig] = useState<Config | null>(null);
  const errors = update.isError ? placedError(update.error, EDIT_FIELDS) : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    const changes = configChanges(initial, config ?? initial);
    update.mutate(
      {
        ...(name !== integration.name ? { name } : {}),
        ...(description !== (integration.description ?? "") ? { description } : {}),
        ...(enabled !== integration.enabled ? { enabled } : {}),
        ...(Object.keys(changes).length ? { config: changes } : {}),
      },
      { onSuccess: onClose },
    );
  }

  return (
    <Dialog title={`Edit ${integration.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} aria-describedby="edit-name-error" />
        </label>
        <FieldError id="edit-name-error" message={errors?.top?.field === "name" ? errors.top.message : undefined} />
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
        {marketplace.isPending && <Loading label="Loading the form" />}
        {entry && (
          <fieldset>
            <legend>Configuration</legend>
            <SchemaForm
              schema={entry.configSchema}
              value={config ?? initial}
              onChange={setConfig}
              path="config"
              error={errors?.config}
              editing
            />
          </fieldset>
        )}
        <FormError errors={errors} />
        <FormActions label="Save" pendingLabel="Saving…" pending={update.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
