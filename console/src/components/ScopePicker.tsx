import { API_SCOPE_GROUPS, type APIScope } from "../hooks/useAPIKeys";

/** The seed's 17 scopes as checkboxes, grouped as the seed groups them, each labelled by its name. */
export function ScopePicker({
  value,
  onChange,
  errorId,
  invalid,
  hint,
}: {
  value: APIScope[];
  onChange: (scopes: APIScope[]) => void;
  errorId: string;
  invalid: boolean;
  hint: string;
}) {
  function toggle(scope: APIScope, on: boolean) {
    onChange(on ? [...value, scope] : value.filter((s) => s !== scope));
  }
  return (
    <fieldset aria-describedby={errorId} aria-invalid={invalid}>
      <legend>Scopes</legend>
      <div className="scope-groups">
        {API_SCOPE_GROUPS.map(({ group, scopes: groupScopes }) => (
          <fieldset key={group} className="scope-group">
            <legend>{group}</legend>
            {groupScopes.map((scope) => (
              <label key={scope} className="check">
                <input type="checkbox" checked={value.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} />
                {scope}
              </label>
            ))}
          </fieldset>
        ))}
      </div>
      <p className="hint">{hint}</p>
    </fieldset>
  );
}
