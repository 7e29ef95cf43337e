// Create or edit a sync configuration: the seed's fields, the frequency in human units (sent in ms), and
// the field-mapping editor, whose remote fields come from the CRM (sync_remote_fields). An error naming
// `fieldMappings[i].<field>` is shown in row i, under that field.
import { type FormEvent, Fragment, useState } from "react";

import { errorField, errorMessage } from "../../api";
import { Dialog, FormActions } from "../../components/Dialog";
import { FieldError } from "../../components/FieldError";
import { Loading } from "../../components/Loading";
import type { Integration } from "../../hooks/useIntegrations";
import {
  type ConflictResolution,
  type SyncConfiguration,
  type SyncDirection,
  type SyncFieldMapping,
  useCreateSyncConfig,
  useRemoteFields,
  useUpdateSyncConfig,
} from "../../hooks/useSync";
import { useTeam } from "../../team";
import { splitFrequency, toMilliseconds, type Unit, UNITS } from "./frequency";

const DIRECTIONS: { value: SyncDirection; label: string }[] = [
  { value: "pull", label: "pull (CRM to here)" },
  { value: "push", label: "push (here to CRM)" },
  { value: "bidirectional", label: "both ways" },
];
const RESOLUTIONS: { value: ConflictResolution; label: string }[] = [
  { value: "remote", label: "the CRM wins" },
  { value: "local", label: "ours wins" },
  { value: "manual", label: "hold for a person" },
];
const MAPPING_FIELDS = ["localField", "remoteField", "transformer", "bidirectional"] as const;

/** Where an error's field path points: a mapping row's field, or a top-level field. */
export function placeSyncError(path: string | undefined): { row?: number; field?: string } {
  if (!path) return {};
  const row = /^fieldMappings\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (row) return { row: Number(row[1]), field: row[2] ?? "localField" };
  return { field: path.split(/[.[]/)[0] };
}

const emptyMapping = (): SyncFieldMapping => ({ localField: "", remoteField: "", transformer: "", bidirectional: true });

export function SyncConfigDialog({
  crms,
  config,
  onClose,
}: {
  crms: Integration[];
  config?: SyncConfiguration;
  onClose: () => void;
}) {
  const { teamId } = useTeam();
  const create = useCreateSyncConfig(teamId);
  const update = useUpdateSyncConfig(teamId, config?.id ?? "");
  const save = config ? update : create;
  const initialFrequency = splitFrequency(config?.frequency ?? 3_600_000);
  const [integrationId, setIntegrationId] = useState(config?.integrationId ?? crms[0]?.id ?? "");
  const [enabled, setEnabled] = useState(config?.enabled ?? true);
  const [direction, setDirection] = useState<SyncDirection>(config?.syncDirection ?? "pull");
  const [resolution, setResolution] = useState<ConflictResolution>(config?.conflictResolution ?? "remote");
  const [amount, setAmount] = useState(String(initialFrequency.amount));
  const [unit, setUnit] = useState<Unit>(initialFrequency.unit);
  const [mappings, setMappings] = useState<SyncFieldMapping[]>(
    config?.fieldMappings.map((mapping) => ({ ...mapping, transformer: mapping.transformer ?? "" })) ?? [emptyMapping()],
  );
  const [localError, setLocalError] = useState<string | null>(null);
  const remoteFields = useRemoteFields(teamId, integrationId);

  const placed = save.isError ? placeSyncError(errorField(save.error)) : {};
  const message = save.isError ? errorMessage(save.error) : undefined;
  const topError = (field: string) => (placed.row === undefined && placed.field === field ? message : undefined);
  const rowError = (row: number) => (placed.row === row ? { field: placed.field, message } : undefined);
  const unplaced =
    save.isError && placed.row === undefined && !["integrationId", "frequency", "syncDirection", "conflictResolution"].includes(placed.field ?? "")
      ? message
      : undefined;

  function change(index: number, changes: Partial<SyncFieldMapping>) {
    setMappings((current) => current.map((mapping, at) => (at === index ? { ...mapping, ...changes } : mapping)));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const count = Number(amount);
    if (!Number.isFinite(count) || count <= 0) {
      setLocalError("a positive number");
      return;
    }
    setLocalError(null);
    const fieldMappings = mappings.map(({ transformer, ...mapping }) => ({
      ...mapping,
      ...(transformer?.trim() ? { transformer: transformer.trim() } : {}),
    }));
    const fields = {
      enabled,
      syncDirection: direction,
      frequency: toMilliseconds(count, unit),
      fieldMappings,
      conflictResolution: resolution,
    };
    if (config) update.mutate(fields, { onSuccess: onClose });
    else create.mutate({ integrationId, ...fields }, { onSuccess: onClose });
  }

  const remoteNames = remoteFields.data?.items ?? [];
  return (
    <Dialog title={config ? "Edit sync configuration" : "Create sync configuration"} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label>
          Integration
          <select
            value={integrationId}
            onChange={(e) => setIntegrationId(e.target.value)}
            disabled={Boolean(config)}
            aria-invalid={Boolean(topError("integrationId"))}
            aria-describedby="sync-integration-error"
          >
            {crms.map((crm) => (
              <option key={crm.id} value={crm.id}>
                {crm.name} ({crm.marketplaceId})
              </option>
            ))}
          </select>
        </label>
        <FieldError id="sync-integration-error" message={topError("integrationId")} />
        <div className="row">
          <label>
            Direction
            <select value={direction} onChange={(e) => setDirection(e.target.value as SyncDirection)}>
              {DIRECTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Conflicts
            <select value={resolution} onChange={(e) => setResolution(e.target.value as ConflictResolution)}>
              {RESOLUTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Every
            <input
              type="number"
              min={1}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              aria-invalid={Boolean(localError ?? topError("frequency"))}
              aria-describedby="sync-frequency-error"
            />
          </label>
          <label>
            Unit
            <select value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
              {UNITS.map((option) => (
                <option key={option.name} value={option.name}>
                  {option.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            Enabled
          </label>
        </div>
        <FieldError id="sync-frequency-error" message={localError ?? topError("frequency")} />
        <fieldset>
          <legend>Field mappings</legend>
          {remoteFields.isPending && integrationId && <Loading label="Asking the CRM for its fields" />}
          {remoteFields.isError && (
            <p className="hint">The CRM did not list its fields ({errorMessage(remoteFields.error)}): type the remote names.</p>
          )}
          <datalist id="remote-fields">
            {remoteNames.map((field) => (
              <option key={field.name} value={field.name}>
                {field.label} ({field.type})
              </option>
            ))}
          </datalist>
          <table aria-label="Field mappings">
            <thead>
              <tr>
                <th scope="col">Local field</th>
                <th scope="col">Remote field</th>
                <th scope="col">Transformer</th>
                <th scope="col">Both ways</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mappings.map((mapping, index) => {
                const error = rowError(index);
                const errorId = `mapping-${index}-error`;
                const invalid = (field: (typeof MAPPING_FIELDS)[number]) => error?.field === field;
                return (
                  <Fragment key={index}>
                    <tr className="mapping-row">
                    <td>
                      <input
                        aria-label={`Local field ${index + 1}`}
                        value={mapping.localField}
                        onChange={(e) => change(index, { localField: e.target.value })}
                        aria-invalid={invalid("localField")}
                        aria-describedby={errorId}
                      />
                    </td>
                    <td>
                      {remoteNames.length > 0 ? (
                        <select
                          aria-label={`Remote field ${index + 1}`}
                          value={mapping.remoteField}
                          onChange={(e) => change(index, { remoteField: e.target.value })}
                          aria-invalid={invalid("remoteField")}
                          aria-describedby={errorId}
                        >
                          <option value="">choose…</option>
                          {remoteNames.map((field) => (
                            <option key={field.name} value={field.name}>
                              {field.label} ({field.name})
                            </option>
                          ))}
                          {mapping.remoteField && !remoteNames.some((field) => field.name === mapping.remoteField) && (
                            <option value={mapping.remoteField}>{mapping.remoteField}</option>
                          )}
                        </select>
                      ) : (
                        <input
                          aria-label={`Remote field ${index + 1}`}
                          list="remote-fields"
                          value={mapping.remoteField}
                          onChange={(e) => change(index, { remoteField: e.target.value })}
                          aria-invalid={invalid("remoteField")}
                          aria-describedby={errorId}
                        />
                      )}
                    </td>
                    <td>
                      <input
                        aria-label={`Transformer ${index + 1}`}
                        placeholder="trim | lowercase"
                        value={mapping.transformer ?? ""}
                        onChange={(e) => change(index, { transformer: e.target.value })}
                        aria-invalid={invalid("transformer")}
                        aria-describedby={errorId}
                      />
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Both ways ${index + 1}`}
                        checked={mapping.bidirectional}
                        onChange={(e) => change(index, { bidirectional: e.target.checked })}
                      />
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-label={`Remove mapping ${index + 1}`}
                        disabled={mappings.length === 1}
                        onClick={() => setMappings((current) => current.filter((_, at) => at !== index))}
                      >
                        ✕
                      </button>
                    </td>
                    </tr>
                    {error && (
                      <tr>
                        <td colSpan={5}>
                          <p id={errorId} role="alert" className="field-error">
                            Mapping {index + 1}: {error.message}
                          </p>
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
          <button type="button" onClick={() => setMappings((current) => [...current, emptyMapping()])}>
            Add mapping
          </button>
          <p className="hint">
            Transformers are pipelines: <code>trim | lowercase</code>, <code>default("x")</code>,{" "}
            <code>map({'{"1": "open"}'})</code>, <code>date("%d/%m/%Y")</code>, <code>phone_e164("US")</code>,{" "}
            <code>split(" ", 0)</code>, <code>join(";")</code>.
          </p>
        </fieldset>
        {unplaced && (
          <p role="alert" className="error">
            {unplaced}
          </p>
        )}
        <FormActions
          label="Save"
          pendingLabel="Saving…"
          pending={save.isPending}
          disabled={!integrationId}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
