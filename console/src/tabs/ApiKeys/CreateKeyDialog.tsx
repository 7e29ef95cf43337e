import { type FormEvent, useState } from "react";

import { errorField, errorMessage } from "../../api";
import { Dialog, FormActions } from "../../components/Dialog";
import { FieldError, fieldErrorFor } from "../../components/FieldError";
import { ScopePicker } from "../../components/ScopePicker";
import { SecretOnce } from "../../components/SecretOnce";
import { daysFromNow } from "../../dates";
import { type APIKeyInput, type APIScope, type CreatedAPIKey, useCreateAPIKey } from "../../hooks/useAPIKeys";
import { useTeam } from "../../team";

const FIELDS = ["name", "scopes", "expiresAt", "rateLimit"] as const;
type Field = (typeof FIELDS)[number];

export function CreateKeyDialog({ onClose }: { onClose: () => void }) {
  const { teamId } = useTeam();
  const create = useCreateAPIKey(teamId);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<APIScope[]>([]);
  const [days, setDays] = useState("90");
  const [limited, setLimited] = useState(false);
  const [requests, setRequests] = useState("100");
  const [windowSeconds, setWindowSeconds] = useState("60");
  const [localErrors, setLocalErrors] = useState<Partial<Record<Field, string>>>({});
  const [created, setCreated] = useState<CreatedAPIKey | null>(null);

  const serverField = create.isError ? fieldErrorFor(FIELDS, errorField(create.error)) : undefined;
  const errorOf = (field: Field) =>
    localErrors[field] ?? (serverField === field ? errorMessage(create.error) : undefined);
  const unplacedError = create.isError && !serverField ? errorMessage(create.error) : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    const dayCount = Number(days);
    // Only what the server cannot be asked about is checked here: the days become a date.
    if (!Number.isInteger(dayCount) || dayCount < 1 || dayCount > 365) {
      setLocalErrors({ expiresAt: "a whole number of days from 1 to 365" });
      return;
    }
    setLocalErrors({});
    const input: APIKeyInput = { name, scopes, expiresAt: daysFromNow(dayCount) };
    if (limited) input.rateLimit = { requests: Number(requests), window: Number(windowSeconds) * 1000 };
    create.mutate(input, { onSuccess: setCreated });
  }

  if (created) return <NewKey created={created} onClose={onClose} />;

  return (
    <Dialog title="Create API key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={100}
            aria-invalid={Boolean(errorOf("name"))}
            aria-describedby="key-name-error"
            autoFocus
          />
        </label>
        <FieldError id="key-name-error" message={errorOf("name")} />
        <ScopePicker
          value={scopes}
          onChange={setScopes}
          errorId="key-scopes-error"
          invalid={Boolean(errorOf("scopes"))}
          hint="admin:full grants every other scope."
        />
        <FieldError id="key-scopes-error" message={errorOf("scopes")} />
        <label>
          Expires in (days)
          <input
            type="number"
            min={1}
            max={365}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            aria-invalid={Boolean(errorOf("expiresAt"))}
            aria-describedby="key-expiry-error"
          />
        </label>
        <FieldError id="key-expiry-error" message={errorOf("expiresAt")} />
        <label className="check">
          <input type="checkbox" checked={limited} onChange={(e) => setLimited(e.target.checked)} />
          Limit the rate
        </label>
        {limited && (
          <div className="row">
            <label>
              Requests
              <input type="number" min={1} value={requests} onChange={(e) => setRequests(e.target.value)} />
            </label>
            <label>
              Per (seconds)
              <input type="number" min={1} value={windowSeconds} onChange={(e) => setWindowSeconds(e.target.value)} />
            </label>
          </div>
        )}
        <FieldError id="key-rate-error" message={errorOf("rateLimit")} />
        {unplacedError && (
          <p role="alert" className="error">
            {unplacedError}
          </p>
        )}
        <FormActions label="Create" pendingLabel="Creating…" pending={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** The whole key, once. */
function NewKey({ created, onClose }: { created: CreatedAPIKey; onClose: () => void }) {
  return (
    <Dialog title="Your new API key" onClose={onClose}>
      <p>
        Copy the key for <strong>{created.name}</strong> now: it is stored only as a hash and is never shown again.
      </p>
      <SecretOnce label="New API key" value={created.key} />
      <div className="actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
