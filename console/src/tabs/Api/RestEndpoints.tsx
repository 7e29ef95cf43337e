// The team's own REST endpoints (rest_endpoints_*): a table, create with its target, delete.
import { type FormEvent, useState } from "react";

import { errorField, errorMessage } from "../../api";
import { ConfirmDialog, Dialog, FormActions } from "../../components/Dialog";
import { FieldError, fieldErrorFor } from "../../components/FieldError";
import { Loading } from "../../components/Loading";
import { ScopePicker } from "../../components/ScopePicker";
import type { APIScope } from "../../hooks/useAPIKeys";
import { useIntegrations } from "../../hooks/useIntegrations";
import {
  type EndpointMethod,
  type RESTEndpoint,
  type RESTEndpointInput,
  useCreateRESTEndpoint,
  useDeleteRESTEndpoint,
  useRESTEndpoints,
} from "../../hooks/usePublicApi";
import { useTeam } from "../../team";

const METHODS: EndpointMethod[] = ["GET", "POST", "PUT", "DELETE"];
const FIELDS = ["path", "method", "scopes", "schema", "public", "target.eventType", "target.integrationId", "target.path", "target"] as const;
type Field = (typeof FIELDS)[number];

/** Where key holders call it: /api/v1 on Hosting (the rewrite to public_api). */
function url(teamId: string, endpoint: RESTEndpoint): string {
  return endpoint.public ? `/api/v1/public/${teamId}${endpoint.path}` : `/api/v1/custom${endpoint.path}`;
}

export function RestEndpoints() {
  const { teamId, canWrite } = useTeam();
  const endpoints = useRESTEndpoints(teamId);
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="rest-endpoints-heading">
      <div className="toolbar">
        <h3 id="rest-endpoints-heading">REST endpoints</h3>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create endpoint
          </button>
        )}
      </div>
      {endpoints.isPending && <Loading label="Loading endpoints" />}
      {endpoints.isError && (
        <p role="alert" className="error">
          Could not load the endpoints: {errorMessage(endpoints.error)}
        </p>
      )}
      {endpoints.isSuccess && endpoints.data.items.length === 0 && <p className="empty">No endpoints yet.</p>}
      {endpoints.isSuccess && endpoints.data.items.length > 0 && (
        <table aria-label="REST endpoints">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Scopes</th>
              <th scope="col">Body schema</th>
              <th scope="col">Access</th>
              <th scope="col">Does</th>
              {canWrite && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {endpoints.data.items.map((endpoint) => (
              <EndpointRow key={endpoint.id} endpoint={endpoint} />
            ))}
          </tbody>
        </table>
      )}
      {creating && <CreateEndpointDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

function EndpointRow({ endpoint }: { endpoint: RESTEndpoint }) {
  const { teamId, canWrite } = useTeam();
  const remove = useDeleteRESTEndpoint(teamId);
  const [confirming, setConfirming] = useState(false);
  const name = `${endpoint.method} ${endpoint.path}`;
  return (
    <tr aria-label={name}>
      <th scope="row">
        <code>{name}</code>
        <div className="muted endpoint">{url(teamId, endpoint)}</div>
      </th>
      <td className="scopes">
        {endpoint.scopes.length === 0 && <span className="muted">any key</span>}
        {endpoint.scopes.map((scope) => (
          <span key={scope} className="chip">
            {scope}
          </span>
        ))}
      </td>
      <td>{endpoint.schema ? "checked" : "none"}</td>
      <td>{endpoint.public ? "public (no key)" : "API key"}</td>
      <td>
        {endpoint.target.type === "event" ? `emits ${endpoint.target.eventType}` : `proxies to ${endpoint.target.path} of ${endpoint.target.integrationId}`}
      </td>
      {canWrite && (
        <td>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete
          </button>
          {confirming && (
            <ConfirmDialog
              title={`Delete endpoint ${name}?`}
              message="Calls to it answer 404 from now on. This cannot be undone."
              confirmLabel="Delete"
              busy={remove.isPending}
              error={remove.isError ? errorMessage(remove.error) : null}
              onConfirm={() => remove.mutate(endpoint.id, { onSuccess: () => setConfirming(false) })}
              onClose={() => setConfirming(false)}
            />
          )}
        </td>
      )}
    </tr>
  );
}

function CreateEndpointDialog({ onClose }: { onClose: () => void }) {
  const { teamId } = useTeam();
  const create = useCreateRESTEndpoint(teamId);
  const integrations = useIntegrations(teamId);
  const [path, setPath] = useState("/");
  const [method, setMethod] = useState<EndpointMethod>("POST");
  const [scopes, setScopes] = useState<APIScope[]>([]);
  const [schemaText, setSchemaText] = useState("");
  const [isPublic, setPublic] = useState(false);
  const [targetType, setTargetType] = useState<"event" | "proxy">("event");
  const [eventType, setEventType] = useState("custom.");
  const [integrationId, setIntegrationId] = useState("");
  const [proxyPath, setProxyPath] = useState("/");
  const [schemaError, setSchemaError] = useState<string | null>(null);

  const serverField = create.isError ? fieldErrorFor(FIELDS, errorField(create.error)) : undefined;
  const errorOf = (field: Field) =>
    field === "schema" && schemaError ? schemaError : serverField === field ? errorMessage(create.error) : undefined;
  const unplaced = create.isError && !serverField ? errorMessage(create.error) : undefined;
  const proxies = (integrations.data?.items ?? []).filter((item) => item.type === "rest");

  function submit(event: FormEvent) {
    event.preventDefault();
    let schema: Record<string, unknown> | undefined;
    if (schemaText.trim()) {
      try {
        schema = JSON.parse(schemaText) as Record<string, unknown>;
      } catch (error) {
        // JSON the browser cannot parse never reaches the server.
        setSchemaError(`not JSON: ${(error as Error).message}`);
        return;
      }
    }
    setSchemaError(null);
    const input: RESTEndpointInput = {
      path,
      method,
      scopes,
      public: isPublic,
      target: targetType === "event" ? { type: "event", eventType } : { type: "proxy", integrationId, path: proxyPath },
      ...(schema ? { schema } : {}),
    };
    create.mutate(input, { onSuccess: onClose });
  }

  const field = (name: Field, id: string) => ({ "aria-invalid": Boolean(errorOf(name)), "aria-describedby": id });
  return (
    <Dialog title="Create endpoint" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="row">
          <label>
            Method
            <select value={method} onChange={(e) => setMethod(e.target.value as EndpointMethod)} {...field("method", "endpoint-method-error")}>
              {METHODS.map((option) => (
                <option key={option}>{option}</option>
              ))}
            </select>
          </label>
          <label>
            Path
            <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/orders/refund" autoFocus {...field("path", "endpoint-path-error")} />
          </label>
        </div>
        <FieldError id="endpoint-method-error" message={errorOf("method")} />
        <FieldError id="endpoint-path-error" message={errorOf("path")} />
        <p className="hint">Served at /api/v1/custom&lt;path&gt; (public: /api/v1/public/{teamId}&lt;path&gt;); literal segments only.</p>
        <ScopePicker
          value={scopes}
          onChange={setScopes}
          errorId="endpoint-scopes-error"
          invalid={Boolean(errorOf("scopes"))}
          hint="A calling key must hold every scope chosen (admin:full grants all); none: any key of the team."
        />
        <FieldError id="endpoint-scopes-error" message={errorOf("scopes")} />
        <label>
          JSON schema of the body
          <textarea
            className="code"
            value={schemaText}
            onChange={(e) => setSchemaText(e.target.value)}
            placeholder='{"type": "object", "required": ["orderId"], "properties": {"orderId": {"type": "string"}}}'
            {...field("schema", "endpoint-schema-error")}
          />
        </label>
        <FieldError id="endpoint-schema-error" message={errorOf("schema")} />
        <label className="check">
          <input type="checkbox" role="switch" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} />
          Public (no API key)
        </label>
        <FieldError id="endpoint-public-error" message={errorOf("public")} />
        <fieldset>
          <legend>Target</legend>
          <div className="row">
            <label className="check">
              <input type="radio" name="target" checked={targetType === "event"} onChange={() => setTargetType("event")} />
              Emit an event
            </label>
            <label className="check">
              <input type="radio" name="target" checked={targetType === "proxy"} onChange={() => setTargetType("proxy")} />
              Proxy to an integration
            </label>
          </div>
          {targetType === "event" ? (
            <>
              <label>
                Event type
                <input value={eventType} onChange={(e) => setEventType(e.target.value)} {...field("target.eventType", "endpoint-event-error")} />
              </label>
              <FieldError id="endpoint-event-error" message={errorOf("target.eventType")} />
            </>
          ) : (
            <>
              <label>
                Integration
                <select value={integrationId} onChange={(e) => setIntegrationId(e.target.value)} {...field("target.integrationId", "endpoint-integration-error")}>
                  <option value="">choose…</option>
                  {proxies.map((item) => (
                    <option key={item.id} value={item.id}>
                      {item.name}
                    </option>
                  ))}
                </select>
              </label>
              <FieldError id="endpoint-integration-error" message={errorOf("target.integrationId")} />
              <label>
                Path under its base URL
                <input value={proxyPath} onChange={(e) => setProxyPath(e.target.value)} {...field("target.path", "endpoint-proxy-path-error")} />
              </label>
              <FieldError id="endpoint-proxy-path-error" message={errorOf("target.path")} />
            </>
          )}
          <FieldError id="endpoint-target-error" message={errorOf("target")} />
        </fieldset>
        {unplaced && (
          <p role="alert" className="error">
            {unplaced}
          </p>
        )}
        <FormActions label="Create" pendingLabel="Creating…" pending={create.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
