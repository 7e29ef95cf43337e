// The team's GraphQL schema: SDL, declarative resolver map, limits, introspection; saved as a new version
// by graphql_schema_set, whose refusal names `typeDefs` (with line and column) or `resolvers.<Type.field>`
// and is shown beside that editor. Earlier versions can be restored.
import { type FormEvent, useState } from "react";

import { errorField, errorMessage, errorPlace } from "../../api";
import { ConfirmDialog } from "../../components/Dialog";
import { FieldError } from "../../components/FieldError";
import { Loading } from "../../components/Loading";
import { formatDate } from "../../dates";
import {
  type GraphQLSchema,
  type GraphQLSchemaInput,
  type GraphQLSchemaVersion,
  useGraphQLSchema,
  useGraphQLSchemaVersions,
  useRestoreGraphQLSchema,
  useSetGraphQLSchema,
} from "../../hooks/usePublicApi";
import { useTeam } from "../../team";

const EXAMPLE_SDL = `type Query {
  contacts: [Contact!]!
}

type Contact {
  id: ID!
  email: String
  company: String
}
`;
const EXAMPLE_RESOLVERS = `{
  "Query.contacts": {"collection": "contacts", "scope": "contacts:read", "orderBy": "email", "limit": 50}
}
`;

export function GraphqlSchemaEditor() {
  const { teamId } = useTeam();
  const active = useGraphQLSchema(teamId);
  // Held here, not in the form: a save changes the active version, which remounts the form.
  const save = useSetGraphQLSchema(teamId);
  return (
    <section aria-labelledby="graphql-heading">
      <h3 id="graphql-heading">GraphQL schema</h3>
      <p className="hint">Served at /api/graphql to the team's API keys. Without a saved schema the default one is served.</p>
      {active.isPending && <Loading label="Loading the schema" />}
      {active.isError && (
        <p role="alert" className="error">
          Could not load the schema: {errorMessage(active.error)}
        </p>
      )}
      {/* Keyed by the active version: a restore refills the editor. */}
      {active.isSuccess && <SchemaForm key={active.data?.id ?? "default"} schema={active.data} save={save} />}
      {save.isSuccess && save.data.id === active.data?.id && (
        <p role="status" className="ok">
          Saved: version {save.data.id} is served from now on.
        </p>
      )}
      <Versions activeId={active.data?.id} />
    </section>
  );
}

function limitOrUndefined(text: string): number | undefined {
  return text.trim() ? Number(text) : undefined;
}

function SchemaForm({ schema, save }: { schema: GraphQLSchema | null; save: ReturnType<typeof useSetGraphQLSchema> }) {
  const { canWrite } = useTeam();
  const [typeDefs, setTypeDefs] = useState(schema?.typeDefs ?? EXAMPLE_SDL);
  const [resolvers, setResolvers] = useState(schema?.resolvers ? JSON.stringify(schema.resolvers, null, 2) : EXAMPLE_RESOLVERS);
  const [complexity, setComplexity] = useState(String(schema?.complexityLimit ?? ""));
  const [depth, setDepth] = useState(String(schema?.depthLimit ?? ""));
  const [introspection, setIntrospection] = useState(schema?.introspection ?? false);
  const [resolversError, setResolversError] = useState<string | null>(null);

  const field = save.isError ? errorField(save.error) : undefined;
  const message = save.isError ? errorMessage(save.error) : undefined;
  const place = save.isError ? errorPlace(save.error) : undefined;
  const sdlError = field === "typeDefs" ? message : undefined;
  const mapError = resolversError ?? (field?.startsWith("resolvers") ? message : undefined);
  const complexityError = field === "complexityLimit" ? message : undefined;
  const depthError = field === "depthLimit" ? message : undefined;
  const unplaced = save.isError && !sdlError && !mapError && !complexityError && !depthError ? message : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    let map: Record<string, unknown> | undefined;
    if (resolvers.trim()) {
      try {
        map = JSON.parse(resolvers) as Record<string, unknown>;
      } catch (error) {
        setResolversError(`not JSON: ${(error as Error).message}`);
        return;
      }
    }
    setResolversError(null);
    const complexityLimit = limitOrUndefined(complexity);
    const depthLimit = limitOrUndefined(depth);
    const input: GraphQLSchemaInput = {
      typeDefs,
      introspection,
      ...(map ? { resolvers: map } : {}),
      ...(complexityLimit !== undefined ? { complexityLimit } : {}),
      ...(depthLimit !== undefined ? { depthLimit } : {}),
    };
    save.mutate(input);
  }

  return (
    <form onSubmit={submit} noValidate className="graphql-form">
      <label>
        Schema (SDL)
        <textarea
          className="code"
          rows={14}
          spellCheck={false}
          value={typeDefs}
          readOnly={!canWrite}
          onChange={(e) => setTypeDefs(e.target.value)}
          aria-invalid={Boolean(sdlError)}
          aria-describedby="sdl-error"
        />
      </label>
      <FieldError
        id="sdl-error"
        message={sdlError && (place ? `Line ${place.line}, column ${place.column}: ${sdlError.replace(/ \(line \d+, column \d+\)$/, "")}` : sdlError)}
      />
      <label>
        Resolver map (JSON)
        <textarea
          className="code"
          rows={6}
          spellCheck={false}
          value={resolvers}
          readOnly={!canWrite}
          onChange={(e) => setResolvers(e.target.value)}
          aria-invalid={Boolean(mapError)}
          aria-describedby="resolvers-error"
        />
      </label>
      <FieldError id="resolvers-error" message={mapError && (field && field !== "resolvers" && !resolversError ? `${field}: ${mapError}` : mapError)} />
      <div className="row">
        <label>
          Complexity limit
          <input
            type="number"
            min={1}
            max={100000}
            value={complexity}
            readOnly={!canWrite}
            onChange={(e) => setComplexity(e.target.value)}
            placeholder="default"
            aria-invalid={Boolean(complexityError)}
            aria-describedby="complexity-error"
          />
        </label>
        <label>
          Depth limit
          <input
            type="number"
            min={1}
            max={50}
            value={depth}
            readOnly={!canWrite}
            onChange={(e) => setDepth(e.target.value)}
            placeholder="default"
            aria-invalid={Boolean(depthError)}
            aria-describedby="depth-error"
          />
        </label>
        <label className="check">
          <input type="checkbox" role="switch" checked={introspection} disabled={!canWrite} onChange={(e) => setIntrospection(e.target.checked)} />
          Introspection
        </label>
      </div>
      <FieldError id="complexity-error" message={complexityError} />
      <FieldError id="depth-error" message={depthError} />
      {unplaced && (
        <p role="alert" className="error">
          {unplaced}
        </p>
      )}
      {canWrite && (
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save schema"}
          </button>
        </div>
      )}
    </form>
  );
}

function Versions({ activeId }: { activeId: string | undefined }) {
  const { teamId } = useTeam();
  const versions = useGraphQLSchemaVersions(teamId);
  return (
    <>
      <h4>Versions</h4>
      {versions.isPending && <Loading label="Loading versions" />}
      {versions.isError && (
        <p role="alert" className="error">
          Could not load the versions: {errorMessage(versions.error)}
        </p>
      )}
      {versions.isSuccess && versions.data.length === 0 && <p className="empty">No saved versions: the default schema is served.</p>}
      {versions.isSuccess && versions.data.length > 0 && (
        <table aria-label="Schema versions">
          <thead>
            <tr>
              <th scope="col">Saved</th>
              <th scope="col">Version</th>
              <th scope="col">Types</th>
              <th scope="col">Limits</th>
              <th scope="col">Introspection</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((version) => (
              <VersionRow key={version.id} version={version} active={version.id === activeId} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function VersionRow({ version, active }: { version: GraphQLSchemaVersion; active: boolean }) {
  const { teamId, canWrite } = useTeam();
  const restore = useRestoreGraphQLSchema(teamId);
  const [confirming, setConfirming] = useState(false);
  return (
    <tr aria-label={`Version ${version.id}`}>
      <th scope="row">{formatDate(version.createdAt)}</th>
      <td>
        <code>{version.id}</code> {active && <span className="badge run-succeeded">active</span>}
      </td>
      <td>{version.typeCount}</td>
      <td>
        complexity {version.complexityLimit ?? "default"}, depth {version.depthLimit ?? "default"}
      </td>
      <td>{version.introspection ? "on" : "off"}</td>
      <td>
        {canWrite && !active && (
          <button type="button" onClick={() => setConfirming(true)}>
            Restore
          </button>
        )}
        {confirming && (
          <ConfirmDialog
            title="Restore this version?"
            message={`Version ${version.id} of ${formatDate(version.createdAt)} is served from the next request on.`}
            confirmLabel="Restore"
            busy={restore.isPending}
            error={restore.isError ? errorMessage(restore.error) : null}
            onConfirm={() => restore.mutate(version.id, { onSuccess: () => setConfirming(false) })}
            onClose={() => setConfirming(false)}
          />
        )}
      </td>
    </tr>
  );
}
