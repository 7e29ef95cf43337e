// The team's public API: its own REST endpoints and its GraphQL schema.
import { GraphqlSchemaEditor } from "./GraphqlSchemaEditor";
import { RestEndpoints } from "./RestEndpoints";

export default function ApiTab() {
  return (
    <div className="tab">
      <h2>API</h2>
      <RestEndpoints />
      <GraphqlSchemaEditor />
    </div>
  );
}
